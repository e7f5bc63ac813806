# rnnviz as a container, after Streamlit's own Docker deployment guide.
#   docker build -t rnnviz .
#   docker run --rm -p 8501:8501 rnnviz          # then open http://localhost:8501
# Optional PyTorch bridge page with real torch: docker build --build-arg WITH_TORCH=1 -t rnnviz .
# Base image pinned by digest: the multi-arch index of python:3.11.16-slim-trixie (= python:3.11-slim
# when recorded, 2026-08-18).  A tag can move; a digest cannot.  To update: `docker buildx imagetools
# inspect python:3.11-slim` and copy the index digest here.
FROM python:3.11.16-slim-trixie@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# One BLAS thread per process: concurrent sessions' small matrix products would only fight over
# threads (the engine's matrices are at most 64 x 64 per step).
ENV OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# curl is only for the HEALTHCHECK (python:*-slim has none).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so code changes don't reinstall them.  requirements.lock pins every package
# (including transitive ones) to one version and sha256: a changed or substituted file is refused.
COPY requirements.lock requirements-torch.txt ./
RUN pip install --require-hashes --no-deps -r requirements.lock
ARG WITH_TORCH=0
RUN if [ "$WITH_TORCH" = "1" ]; then pip install -r requirements-torch.txt; fi

# The app writes nothing to disk (all state lives in the URL / the session): run unprivileged, with
# the code owned by root so the app user cannot modify it.
RUN useradd --create-home --uid 10001 rnnviz
COPY . .
USER 10001:10001

EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl --fail http://localhost:8501/_stcore/health || exit 1

# .streamlit/config.toml (copied above) holds the public-demo settings, fileWatcherType = "none" included.
ENTRYPOINT ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
