# rnnviz as a container, after Streamlit's own Docker deployment guide.
#   docker build -t rnnviz .
#   docker run --rm -p 8501:8501 rnnviz          # then open http://localhost:8501
# Optional PyTorch bridge page with real torch: docker build --build-arg WITH_TORCH=1 -t rnnviz .
FROM python:3.11-slim

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

# Dependencies first, so code changes don't reinstall them.
COPY requirements.txt requirements-torch.txt ./
RUN pip install -r requirements.txt
ARG WITH_TORCH=0
RUN if [ "$WITH_TORCH" = "1" ]; then pip install -r requirements-torch.txt; fi

COPY . .

# The app writes nothing to disk (all state lives in the URL / the session): run unprivileged.
RUN useradd --create-home --uid 10001 rnnviz
USER rnnviz

EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl --fail http://localhost:8501/_stcore/health || exit 1

# .streamlit/config.toml (copied above) holds the public-demo settings; no file watcher in a container.
ENTRYPOINT ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.fileWatcherType=none"]
