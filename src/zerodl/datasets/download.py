"""Downloading the IDX files from public mirrors, each checked against its published checksum.

The original MNIST host (yann.lecun.com) has refused downloads for years, so the files are
fetched from the mirrors that torchvision and TensorFlow use, one after another until one works.
The fetching itself is done by pooch (https://www.fatiando.org/pooch), which

    1. streams the file to a temporary name in the destination folder (with a tqdm progress bar),
    2. computes its hash and compares it with the published one,
    3. renames it to its real name only when they match, and deletes it otherwise.

So a file in the download folder is either complete and verified, or absent: a failed or
tampered download is never used, and never left behind to be trusted the next time.

`MIRRORS` and `CHECKSUMS` are plain module-level tables: a test, or a user behind a firewall with
an internal mirror, can replace them (``zerodl.datasets.download.MIRRORS["mnist"] = [...]``).
"""

import logging
from pathlib import Path

__all__ = ["CHECKSUMS", "MIRRORS", "DownloadError", "download"]

# Base URLs, tried in this order; a file's URL is base + file name.
MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",  # PyTorch's (torchvision)
        "https://storage.googleapis.com/cvdf-datasets/mnist/",  # Google's (TensorFlow)
    ],
    "fashion-mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # Zalando's official site
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
}

# The published MD5 of each official .gz file (as listed by torchvision and by Zalando's README).
# MD5 is no defence against a deliberate forgery, but it is what the publishers give, and it
# catches every truncated, corrupted or wrong file.
CHECKSUMS = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
    },
}

TIMEOUT = 30  # seconds without an answer before a mirror is given up


class DownloadError(OSError):
    """No mirror delivered a file whose checksum matched; `failures` lists each attempt."""

    def __init__(self, message, failures):
        super().__init__(message)
        self.failures = failures


def download(dataset, folder, *, progressbar=True):
    """Download the four .gz files of `dataset` into `folder`, verified; return their paths.

    Each file is tried on every mirror in turn until one delivers it with the right checksum.
    Files already in `folder` with the right checksum are not downloaded again.

    Args:
        dataset: "mnist" or "fashion-mnist".
        folder: where the files go (created if needed).
        progressbar: show a tqdm progress bar per file.

    Returns:
        {file name: Path} for the four files.

    Raises:
        DownloadError: some file could not be had from any mirror (no network, 404, a transfer
            cut short, a checksum mismatch). Nothing unverified is left in `folder`.
    """
    import pooch  # imported here: loading local files does not need it
    import requests

    folder = Path(folder)
    mirrors = MIRRORS[dataset]
    downloader = pooch.HTTPDownloader(progressbar=progressbar, timeout=TIMEOUT)
    logger = pooch.get_logger()
    level = logger.level
    # pooch announces each attempt on a line of its own ("Downloading data from URL to file
    # PATH"), so a failed attempt took two lines and an offline machine eight. Each attempt gets
    # at most one line, the failure's below; a good one shows only its progress bar.
    logger.setLevel(max(level, logging.WARNING))
    paths, failures = {}, []
    try:
        for name, known_hash in CHECKSUMS[dataset].items():
            for i, base in enumerate(mirrors):
                url = base + name
                try:
                    path = pooch.retrieve(
                        url, known_hash, fname=name, path=folder, downloader=downloader
                    )
                except (ValueError, OSError) as err:  # requests' errors are OSErrors too
                    # ValueError: pooch's checksum mismatch (the temporary file is deleted)
                    failures.append(f"{url}: {_reason(err, requests)}")
                    then = "trying the next mirror" if i + 1 < len(mirrors) else "no mirror left"
                    logger.warning("Failed: %s (%s)", failures[-1], then)
                    continue
                paths[name] = Path(path)
                break
            else:
                tried = "\n".join(f"  - {f}" for f in failures)
                raise DownloadError(
                    f"could not download {name} from any mirror:\n{tried}", failures
                )
    finally:
        logger.setLevel(level)
    return paths


def _reason(err, requests):
    """Why a download failed, in a few words (requests' own messages run to 300 characters)."""
    if isinstance(err, requests.exceptions.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code} {err.response.reason or ''}".rstrip()
    if isinstance(err, requests.exceptions.Timeout):
        return f"no answer within {TIMEOUT} s"
    if isinstance(err, requests.exceptions.ConnectionError):
        return "cannot connect (no network, or the host is down)"
    return f"{type(err).__name__}: {_first_line(err)}"


def _first_line(err):
    text = str(err).strip() or repr(err)
    return text.splitlines()[0][:300]
