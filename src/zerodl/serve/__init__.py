"""zerodl serve: draw a digit in a web page and watch a trained network read it.

    predictor = Predictor(zerodl.load("runs/latest/best.npz"), name="latest")
    app = create_app(predictor)                 # a Starlette app (pip install 'zerodl[serve]')
    serve(app, bind("127.0.0.1", 8000))         # uvicorn, until Ctrl-C

`predictor` checks what comes in and computes the answer (NumPy and Pillow only); `app` is the
page and the JSON API with the guards in front (`zerodl.serve.app` says which); `server` binds
the socket and runs uvicorn; `openapi` describes the API. Starlette and uvicorn are imported only
when an app is made or a server runs, so zerodl itself never needs them.
"""

from zerodl.serve.app import MAX_BODY, create_app, is_local_host
from zerodl.serve.predictor import MAX_SIDE, InputError, Predictor, check_pixels, decode_image
from zerodl.serve.server import bind, make_server, serve, url

__all__ = [
    "MAX_BODY",
    "MAX_SIDE",
    "InputError",
    "Predictor",
    "bind",
    "check_pixels",
    "create_app",
    "decode_image",
    "is_local_host",
    "make_server",
    "serve",
    "url",
]
