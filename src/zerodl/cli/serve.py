"""zerodl serve: a local web page to draw digits on, and the JSON API behind it."""

import argparse
import errno
import importlib.util
from pathlib import Path

from zerodl import zoo
from zerodl.cli.common import CliError, UsageError, check_image_network, checkpoint_path, load, say
from zerodl.serve import Predictor, bind, create_app, serve, url

HELP = (
    "A web page on this computer to draw a digit on and watch the network read it: the "
    "probabilities, the 28x28 input it receives, its first feature maps; and a JSON API "
    "(/api/predict, /api/model, /openapi.json). Needs pip install 'zerodl[serve]'."
)
EXAMPLES = """\
examples:
  zerodl serve                        # the shipped mnist-cnn, else the newest run in ./runs
  zerodl serve runs/latest            # then open http://127.0.0.1:8000/
  zerodl serve runs/latest --port 8080
  curl -s localhost:8000/api/model

It listens on 127.0.0.1 only and answers only requests addressed to localhost, 127.0.0.1 or
[::1]. --host 0.0.0.0 makes it reachable from other machines (no password, no HTTPS): only on
a network you trust. Ctrl-C stops it."""

DEFAULT_PRETRAINED = "mnist-cnn"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SERVER_MODULES = ("starlette", "uvicorn", "python_multipart")


def port(text):
    """argparse type: a TCP port, 0..65535 (0: any free port)."""
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port in 0..65535, got {value}")
    return value


def add_arguments(parser):
    parser.add_argument(
        "model",
        nargs="?",
        metavar="RUN_OR_CHECKPOINT",
        help="a run folder or checkpoint (default: the shipped mnist-cnn, else the newest run)",
    )
    parser.add_argument("--pretrained", metavar="NAME", help="a model shipped with zerodl")
    parser.add_argument("--port", type=port, default=8000, help="the port (8000; 0: any free)")
    parser.add_argument(
        "--host",
        help="the address to listen on (127.0.0.1); any other is reachable from other machines",
    )


def run(args):
    missing = [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise CliError(
            f"zerodl serve needs {', '.join(missing)}: pip install 'zerodl[serve]'", code=1
        )
    host = args.host or "127.0.0.1"
    predictor = choose_model(args)
    local = host in LOOPBACK
    if not local:
        say(
            f"warning: --host {host} lets other machines reach this server (no password, no "
            "HTTPS), and it answers whatever name it is called by: use it only on a network "
            "you trust"
        )
    try:
        sock = bind(host, args.port)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            message = f"port {args.port} is in use on {host}: choose another with --port"
        else:
            message = f"cannot listen on {host} port {args.port}: {err.strerror or err}"
        raise CliError(message) from None
    app = create_app(predictor, check_host=local)
    print(f"serving {predictor.name} ({type(predictor.network).__name__})", flush=True)
    print(f"open {url(sock)} in a browser (Ctrl-C stops)", flush=True)
    try:
        with sock:
            serve(app, sock)
    except KeyboardInterrupt:
        pass
    say("zerodl serve: stopped")
    return 0


# --- which model --------------------------------------------------------------------------------


def choose_model(args):
    """The Predictor for the model the command line names, or the default one (saying which)."""
    if args.model and args.pretrained:
        raise UsageError("give a RUN_OR_CHECKPOINT or --pretrained NAME, not both")
    if args.pretrained:
        return predictor_of_pretrained(args.pretrained)
    if args.model:
        return predictor_of_checkpoint(checkpoint_path(args.model))
    if DEFAULT_PRETRAINED in zoo.available():
        say(f"no model given: serving the shipped {DEFAULT_PRETRAINED}")
        return predictor_of_pretrained(DEFAULT_PRETRAINED)
    newest = newest_checkpoint(Path("runs"))
    if newest is None:
        raise CliError(
            "no model given, and runs/ holds no trained run: train one first with "
            "`zerodl train` (`zerodl train --epochs 1 --limit 5000` takes a minute), then "
            "run zerodl serve again, or name a checkpoint: zerodl serve RUN_OR_CHECKPOINT"
        )
    say(f"no model given: serving the newest run, {newest}")
    return predictor_of_checkpoint(newest)


def predictor_of_pretrained(name):
    if name not in zoo.available():
        names = ", ".join(zoo.available()) or "none are installed"
        raise UsageError(f"unknown --pretrained {name!r}: choose one of {names}")
    return Predictor(zoo.pretrained(name), name=name, dataset=zoo.card(name)["dataset"])


def predictor_of_checkpoint(path):
    ckpt = load(path)
    check_image_network(ckpt.network, ckpt.path)
    run_name = path.parent.name if path.name in ("best.npz", "last.npz") else path.stem
    return Predictor(ckpt.network, name=run_name, dataset=ckpt.extra.get("dataset") or "mnist")


def newest_checkpoint(runs):
    """The checkpoint (best.npz, else last.npz) of the most recently written run in `runs`."""
    found = []
    if runs.is_dir():
        for folder in runs.iterdir():
            if folder.is_symlink() or not folder.is_dir():  # runs/latest points to one of them
                continue
            for name in ("best.npz", "last.npz"):
                if (folder / name).is_file():
                    found.append(((folder / name).stat().st_mtime, folder / name))
                    break
    return max(found)[1] if found else None
