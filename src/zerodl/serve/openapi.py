"""The API of `zerodl serve`, described in OpenAPI 3.1 (served at /openapi.json)."""

from zerodl._version import __version__

__all__ = ["openapi"]


def openapi(*, max_body, max_side):
    """The OpenAPI document of the server, with its limits written in."""
    numbers = {"type": "array", "items": {"type": "number"}}
    error = {
        "description": "a short message",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "zerodl serve",
            "version": __version__,
            "description": (
                "A trained zerodl network reads 28x28 digits. Every request body is at most "
                f"{max_body} bytes (413 beyond). Only requests whose Host header is localhost, "
                "127.0.0.1 or [::1] are answered (403 otherwise) unless the server was started "
                "with --host."
            ),
        },
        "paths": {
            "/api/predict": {
                "post": {
                    "summary": "The network's answer for one image",
                    "parameters": [
                        {
                            "name": "feature_maps",
                            "in": "query",
                            "required": False,
                            "description": "also return the first convolution's feature maps",
                            "schema": {"type": "boolean", "default": False},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Pixels"},
                            },
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["image"],
                                    "properties": {
                                        "image": {
                                            "type": "string",
                                            "format": "binary",
                                            "description": (
                                                f"a PNG or JPEG of at most {max_side}x{max_side} "
                                                "pixels, prepared as `zerodl predict` prepares "
                                                "an image file (greyscale, inverted if the "
                                                "background is light, cropped, fitted to 20x20, "
                                                "centred by centre of mass)"
                                            ),
                                        }
                                    },
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "the prediction",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Prediction"}
                                }
                            },
                        },
                        "400": error,
                        "403": error,
                        "413": error,
                        "415": error,
                    },
                }
            },
            "/api/model": {
                "get": {
                    "summary": "What the model is",
                    "responses": {
                        "200": {
                            "description": "the model",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Model"}
                                }
                            },
                        }
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "200 while the server runs (for monitors)",
                    "responses": {"200": {"description": '{"status": "ok"}'}},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                }
            },
            "/": {
                "get": {
                    "summary": "The page: draw a digit and watch the network read it",
                    "responses": {"200": {"description": "HTML"}},
                }
            },
        },
        "components": {
            "schemas": {
                "Pixels": {
                    "type": "object",
                    "required": ["pixels"],
                    "properties": {
                        "pixels": {
                            **numbers,
                            "items": {"type": "number", "minimum": 0, "maximum": 1},
                            "minItems": 784,
                            "maxItems": 784,
                            "description": (
                                "28x28 pixels row by row, white digit on black as in MNIST; "
                                "given to the network as they are"
                            ),
                        }
                    },
                },
                "Prediction": {
                    "type": "object",
                    "required": ["prediction", "probabilities", "input"],
                    "properties": {
                        "prediction": {"type": "integer", "description": "the top class"},
                        "probabilities": {**numbers, "description": "one per class"},
                        "input": {
                            **numbers,
                            "minItems": 784,
                            "maxItems": 784,
                            "description": "the 28x28 image the network received, row by row",
                        },
                        "feature_maps": {
                            "type": ["array", "null"],
                            "description": (
                                "with ?feature_maps=true: the first convolution's output "
                                "(FN, OH, OW) as nested lists; null for a network without one"
                            ),
                        },
                    },
                },
                "Model": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "network": {"type": "string", "description": "its class"},
                        "dataset": {"type": "string"},
                        "classes": {"type": "array", "items": {"type": "string"}},
                        "input_shape": {"type": "array", "items": {"type": "integer"}},
                        "parameters": {"type": "integer"},
                        "preprocessing": {"type": "string", "enum": ["mnist", "fashion"]},
                        "feature_maps": {
                            "type": ["array", "null"],
                            "items": {"type": "integer"},
                            "description": "(FN, OH, OW) of the first convolution, or null",
                        },
                        "limits": {
                            "type": "object",
                            "properties": {
                                "max_body_bytes": {"type": "integer"},
                                "max_image_side": {"type": "integer"},
                            },
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
            }
        },
    }
