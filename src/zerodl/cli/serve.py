"""zerodl serve: a local web page to draw digits on, and the JSON API behind it."""

import argparse
import errno

from zerodl.cli.common import (
    DEFAULT_MODEL,
    CliError,
    add_model_arguments,
    check_image_network,
    load_model,
    say,
    warning_line,
)
from zerodl.errors import require
from zerodl.i18n import N_, _
from zerodl.serve import Predictor, bind, create_app, serve, url

HELP = N_(
    "A web page on this computer to draw a digit on and watch the network read it: the "
    "probabilities, the 28x28 input it receives, its first feature maps; and a JSON API "
    "(/api/predict, /api/model, /openapi.json). Needs pip install 'zerodl[serve]'."
)
EXAMPLES = N_("""\
examples:
  zerodl serve                        # the shipped mnist-cnn, else the newest run in ./runs
  zerodl serve runs/latest            # then open http://127.0.0.1:8000/
  zerodl serve runs/latest --port 8080
  curl -s localhost:8000/api/model

It listens on 127.0.0.1 only and answers only requests addressed to localhost, 127.0.0.1 or
[::1]. --host 0.0.0.0 makes it reachable from other machines (no password, no HTTPS): only on
a network you trust. Ctrl-C stops it.""")

LOOPBACK = ("127.0.0.1", "localhost", "::1")
SERVER_MODULES = ("starlette", "uvicorn", "python_multipart")


def port(text):
    """argparse type: a TCP port, 0..65535 (0: any free port)."""
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            _("must be a port in 0..65535, got {value}").format(value=value)
        )
    return value


def add_arguments(parser):
    add_model_arguments(parser, default=DEFAULT_MODEL)
    parser.add_argument("--port", type=port, default=8000, help=_("the port (8000; 0: any free)"))
    parser.add_argument(
        "--host",
        help=_("the address to listen on (127.0.0.1); any other is reachable from other machines"),
    )


def run(args):
    require("zerodl serve", "serve", SERVER_MODULES)
    host = args.host or "127.0.0.1"
    model = load_model(args, default=DEFAULT_MODEL)  # the same models as predict and evaluate
    check_image_network(model.network, model.path)
    if model.default:
        say(_("no model given: serving {model}").format(model=model.describe()))
    predictor = Predictor(model.network, name=model.name, dataset=model.dataset)
    local = host in LOOPBACK
    if not local:
        message = _(
            "--host {host} lets other machines reach this server (no password, no HTTPS), and "
            "it answers whatever name it is called by: use it only on a network you trust"
        )
        say(warning_line(message.format(host=host)))
    try:
        sock = bind(host, args.port)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            message = _("port {port} is in use on {host}: choose another with --port")
        else:
            message = _("cannot listen on {host} port {port}: {reason}")
        message = message.format(port=args.port, host=host, reason=err.strerror or err)
        raise CliError(message) from None
    app = create_app(predictor, check_host=local)
    print(
        _("serving {name} ({network})").format(
            name=predictor.name, network=type(predictor.network).__name__
        ),
        flush=True,
    )
    print(_("open {url} in a browser (Ctrl-C stops)").format(url=url(sock)), flush=True)
    try:
        with sock:
            serve(app, sock)
    except KeyboardInterrupt:
        pass
    say(_("{name}: stopped").format(name="zerodl serve"))
    return 0
