"""N `streamlit run app.py` replicas behind one nginx with sticky sessions, on one machine.

    python deploy/cluster.py 3 8500        # nginx on 127.0.0.1:8500, replicas on 8501..8503
    deploy/run.sh 3 8500                   # the same
    python deploy/cluster.py 3 8500 --address 0.0.0.0 --secure-cookie   # behind TLS termination

Ctrl-C (SIGINT) or SIGTERM stops nginx and every replica; so does any of them exiting on its own
(nginx), or all replicas dying.  Nothing is installed as a service: nginx runs in the foreground
(`daemon off`) as a child of this script with its config, pid file, logs and temp files in a
fresh temporary directory (printed at start, removed at exit unless --keep-dir).

Why each piece (see docs/DEPLOY.md):
- Sticky sessions.  A Streamlit session lives in the memory of the replica that holds its
  websocket, and the page's HTML, static files and websocket must reach the same replica.  The
  client address cannot be the key (behind a NAT or on one test machine everybody shares it), so
  nginx gives each new browser a random cookie `rnnviz_replica` ($request_id) and hashes on it
  (`hash ... consistent`).  A request without the cookie is hashed on its own $request_id, which
  is exactly the value the cookie it receives will carry, so the first page and everything after
  it land on the same replica.
- Replica failure.  When the hashed replica does not answer, nginx moves on to the next replica
  on the hash ring (`proxy_next_upstream`), the same one for every request with that cookie.  The
  browser's Streamlit client opens a new websocket by itself and gets a fresh session there; the
  next interaction runs in it, and since the whole network lives in the link (the URL), it shows
  the same network.
- Websockets: HTTP/1.1 with the Upgrade/Connection headers passed on; read/send timeouts of a day
  (Streamlit pings, but a long idle tab must not be cut by the proxy).
- Security headers at the proxy: no framing by other sites (X-Frame-Options + CSP
  frame-ancestors), no MIME sniffing, and no Referer with the state-bearing URL to other sites.
- All replicas share one `server.cookieSecret` (environment, not the command line), so the XSRF
  cookie a browser got from one replica is valid on the replica it fails over to.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AFFINITY_COOKIE = "rnnviz_replica"
UPSTREAM_HEADER = "X-Rnnviz-Upstream"  # only with expose_upstream=True (tests): says which replica answered

NGINX_CONF = """\
# Written by deploy/cluster.py; runs in the foreground with everything under {tmp}.
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user_line}
events {{ worker_connections 4096; }}

http {{
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    log_format rnnviz '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                      'upstream=$upstream_addr affinity=$rnnviz_affinity rt=$request_time';
    access_log {tmp}/access.log rnnviz;
    server_tokens off;

    # Websocket upgrade: pass Upgrade on, and "Connection: upgrade" only when the client asked.
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    # Sticky key: the browser's affinity cookie, else this request's id (which the cookie will get).
    map $cookie_{cookie} $rnnviz_affinity {{
        "~^[0-9a-f]{{32}}$" $cookie_{cookie};
        default             $request_id;
    }}
    map $cookie_{cookie} $rnnviz_set_cookie {{
        "~^[0-9a-f]{{32}}$" "";
        default             "{cookie}=$request_id; Path=/; HttpOnly; SameSite=Lax{secure}";
    }}

    upstream rnnviz {{
        hash $rnnviz_affinity consistent;
{servers}
    }}

    server {{
        listen {address}:{port};
        # Links carry the network in the query string; Streamlit itself refuses what it cannot
        # parse, and the app keeps its links well below this (issue 16).
        large_client_header_buffers 4 64k;
        client_max_body_size 2m;  # server.maxUploadSize is 1 MB

        location / {{
            proxy_pass http://rnnviz;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_connect_timeout 2s;
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries {replicas};

            add_header Set-Cookie $rnnviz_set_cookie always;
            add_header X-Frame-Options SAMEORIGIN always;
            add_header Content-Security-Policy "frame-ancestors 'self'" always;
            add_header X-Content-Type-Options nosniff always;
            add_header Referrer-Policy same-origin always;
{upstream_header}
        }}
    }}
}}
"""


def find_nginx() -> str | None:
    """Debian's nginx (/usr/sbin is not on every user's PATH)."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()),
                                         None)


def _healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop_group(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)


@dataclass
class Replica:
    index: int
    port: int
    proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Cluster:
    """`with Cluster(3, 8500) as c:` -> c.url is nginx; c.replicas[i] the Streamlit processes."""

    def __init__(self, replicas: int = 3, port: int = 8500, address: str = "127.0.0.1", app: str = "app.py",
                 repo: Path = REPO, extra_args: list[str] | None = None, expose_upstream: bool = False,
                 secure_cookie: bool = False, keep_dir: bool = False, replica_ports: list[int] | None = None):
        if replicas < 1:
            raise ValueError("need at least one replica")
        self.nginx_exe = find_nginx()
        if self.nginx_exe is None:
            raise FileNotFoundError("nginx not found (Debian: apt-get install nginx)")
        ports = replica_ports or [port + 1 + i for i in range(replicas)]
        self.replicas = [Replica(i, p) for i, p in enumerate(ports)]
        self.port, self.address, self.app, self.repo = port, address, app, Path(repo)
        self.extra_args = list(extra_args or [])
        self.expose_upstream, self.secure_cookie, self.keep_dir = expose_upstream, secure_cookie, keep_dir
        self.cookie_secret = secrets.token_hex(32)
        self.dir = Path(tempfile.mkdtemp(prefix="rnnviz-deploy-"))
        self.nginx: subprocess.Popen | None = None
        self._logs: list = []

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.address in ("0.0.0.0", "") else self.address
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 120.0) -> str:
        try:
            for r in self.replicas:
                self._start_replica(r)
            deadline = time.monotonic() + timeout
            for r in self.replicas:
                self._wait(r.url, lambda r=r: r.alive(), deadline, f"replica {r.index} ({r.url})",
                           self.dir / f"replica-{r.index}.log")
            self._start_nginx()
            self._wait(self.url, lambda: self.nginx.poll() is None, deadline, f"nginx ({self.url})",
                       self.dir / "error.log")
        except BaseException:
            self.stop()
            raise
        return self.url

    def _start_replica(self, r: Replica) -> None:
        log = open(self.dir / f"replica-{r.index}.log", "ab")
        self._logs.append(log)
        env = dict(os.environ, PYTHONUNBUFFERED="1", STREAMLIT_SERVER_COOKIE_SECRET=self.cookie_secret,
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        cmd = [sys.executable, "-m", "streamlit", "run", self.app,
               "--server.port", str(r.port), "--server.address", "127.0.0.1",
               "--server.headless", "true", *self.extra_args]
        r.proc = subprocess.Popen(cmd, cwd=self.repo, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)

    def nginx_conf(self) -> str:
        servers = "\n".join(f"        server {r.address} max_fails=1 fail_timeout=10s;" for r in self.replicas)
        return NGINX_CONF.format(
            tmp=self.dir, cookie=AFFINITY_COOKIE, address=self.address, port=self.port, servers=servers,
            replicas=len(self.replicas), secure="; Secure" if self.secure_cookie else "",
            # As root, nginx would hand its workers to "nobody", who cannot write our temp directory.
            user_line="user root;" if os.geteuid() == 0 else "",
            upstream_header=(f"            add_header {UPSTREAM_HEADER} $upstream_addr always;"
                             if self.expose_upstream else ""),
        )

    def _start_nginx(self) -> None:
        conf = self.dir / "nginx.conf"
        conf.write_text(self.nginx_conf())
        base = [self.nginx_exe, "-p", str(self.dir), "-c", str(conf), "-e", str(self.dir / "error.log")]
        check = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected {conf}:\n{check.stderr}")
        log = open(self.dir / "nginx.out", "ab")
        self._logs.append(log)
        self.nginx = subprocess.Popen(base, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def _wait(self, url: str, alive, deadline: float, what: str, log: Path) -> None:
        while time.monotonic() < deadline:
            if not alive():
                raise RuntimeError(f"{what} exited:\n{_tail(log)}")
            if _healthy(url):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{what} not healthy in time:\n{_tail(log)}")

    def kill_replica(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Kill one replica abruptly (its sessions' websockets drop), as a crashed pod would."""
        _stop_group(self.replicas[index].proc, sig)

    def stop(self) -> None:
        # nginx first (fast shutdown: it would otherwise wait for open websockets), then replicas.
        _stop_group(self.nginx, signal.SIGTERM)
        for r in self.replicas:
            _stop_group(r.proc, signal.SIGTERM)
        for log in self._logs:
            log.close()
        self._logs.clear()
        if not self.keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ inspection
    def log(self, name: str, tail: int = 4000) -> str:
        """Tail of one of the files in the cluster's directory (error.log, access.log, replica-0.log...)."""
        return _tail(self.dir / name, tail)


def _tail(path: Path, tail: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-tail:]
    except OSError:
        return f"<no {path.name}>"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="Options after -- go to every replica's `streamlit run`.")
    ap.add_argument("replicas", type=int, nargs="?", default=3)
    ap.add_argument("port", type=int, nargs="?", default=8500, help="nginx port; replicas use port+1..port+N")
    ap.add_argument("--address", default="127.0.0.1", help="nginx listen address (0.0.0.0 for all interfaces)")
    ap.add_argument("--secure-cookie", action="store_true", help="mark the affinity cookie Secure (behind TLS)")
    ap.add_argument("--keep-dir", action="store_true", help="keep the temp dir (config, logs) after exit")
    argv = sys.argv[1:] if argv is None else list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    extra = argv[cut + 1:]  # after --: extra `streamlit run` options for every replica

    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: stop.append(s))
    cluster = Cluster(args.replicas, args.port, args.address, extra_args=extra,
                      secure_cookie=args.secure_cookie, keep_dir=args.keep_dir)
    try:
        cluster.start()
        print(f"rnnviz: nginx on {cluster.url} -> {len(cluster.replicas)} replicas "
              f"({', '.join(r.address for r in cluster.replicas)}); config and logs in {cluster.dir}", flush=True)
        while not stop:
            if cluster.nginx.poll() is not None:
                print(f"nginx exited ({cluster.nginx.returncode}):\n{cluster.log('error.log')}", file=sys.stderr)
                return 1
            if not any(r.alive() for r in cluster.replicas):
                print("every replica exited", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        cluster.stop()
        print("rnnviz: stopped nginx and all replicas", flush=True)


if __name__ == "__main__":
    sys.exit(main())
