"""Reading price-transparency files over HTTP(S): a stream with retries and resume.

:class:`HttpStream` is a raw binary stream of a URL's body for the readers (``tic.open_stream``
wraps it as it wraps a local file: gzip found by its magic bytes, decompressed on the fly), so a
file of any size is read without being written to disk. urllib3 follows redirects; a 5xx answer,
a dropped connection, a read that times out or a body shorter than its Content-Length is retried
with the bytes already read asked for again as a range (``Range`` with ``If-Range`` on the ETag, so
a file that changed meanwhile is not spliced), up to ``retries`` times with a growing pause; a
server that cannot resume (no 206 answer) after bytes were read is a DataError naming the URL and
how far it got. What was read (URL, final URL, size, ETag, Last-Modified, bytes, retries) is kept
in :attr:`HttpStream.info` for the manifest.
"""

from __future__ import annotations

import io
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import DataError, InputError, shown

TIMEOUT = (10.0, 60.0)  # connect, read (seconds)
RETRIES = 5


def is_url(text: str) -> bool:
    return str(text).lower().startswith(("http://", "https://"))


def check_url(text: str, field_name: str = "file") -> str:
    """``text`` when it is an http(s) URL with a host; InputError naming the field otherwise."""
    parts = urlsplit(str(text))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(field_name, f"{shown(text)} is not an http(s) URL")
    return str(text)


def url_name(url: str) -> str:
    """The last part of a URL's path (what a message names the file by)."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or urlsplit(url).hostname or url


def resolve(base: str, location: str) -> str:
    """An index's file location: absolute, or relative to the index's own URL."""
    return location if is_url(location) or not is_url(base) else urljoin(base, location)


@dataclass
class FetchInfo:
    url: str
    final_url: str = ""
    size: int | None = None  # Content-Length of the whole file, when the server gives it
    etag: str | None = None
    last_modified: str | None = None
    bytes_read: int = 0
    retries: int = 0
    problems: list[str] = field(default_factory=list)  # what was retried, for the manifest

    def as_dict(self) -> dict:
        return asdict(self)


def _pool(timeout: tuple[float, float] | None = None):
    """A connection pool: redirects followed, 5xx and retries left to the caller (``HttpStream``)."""
    import urllib3

    connect, read = timeout or TIMEOUT
    return urllib3.PoolManager(
        retries=urllib3.Retry(total=3, redirect=5, status=0, backoff_factor=0),
        timeout=urllib3.Timeout(connect=connect, read=read),
    )


def head(url: str) -> FetchInfo:
    """The URL's size, ETag and Last-Modified without its body (a GET of the first byte when HEAD
    is refused)."""
    pool = _pool()
    resp = pool.request("HEAD", url, preload_content=False)
    resp.release_conn()
    info = FetchInfo(url, final_url=resp.geturl() or url)
    if resp.status >= 400:
        raise DataError(f"{url_name(url)}: HTTP {resp.status} from {url}")
    info.etag = resp.headers.get("ETag")
    info.last_modified = resp.headers.get("Last-Modified")
    length = resp.headers.get("Content-Length")
    info.size = int(length) if length and length.isdigit() else None
    return info


class HttpStream(io.RawIOBase):
    """The body of ``url`` as a raw binary stream (see the module doc)."""

    def __init__(self, url: str, retries: int = RETRIES, pause: float = 0.5, timeout: tuple[float, float] = TIMEOUT):
        self.url = check_url(url)
        self.retries, self.pause = retries, pause
        import urllib3

        self._urllib3 = urllib3
        self._pool = _pool(timeout)
        self.info = FetchInfo(url)
        self._resp: Any = None
        self._open(first=True)

    def _request(self) -> Any:
        headers = {"Accept-Encoding": "identity"}
        if self.info.bytes_read:
            headers["Range"] = f"bytes={self.info.bytes_read}-"
            if self.info.etag:
                headers["If-Range"] = self.info.etag
        return self._pool.request(
            "GET", self.url, headers=headers, preload_content=False, enforce_content_length=True, decode_content=False
        )

    def _open(self, first: bool = False) -> None:
        """(Re)open the body at the bytes read so far; retries 5xx answers and connection errors."""
        while True:
            try:
                resp = self._request()
            except self._urllib3.exceptions.HTTPError as err:
                self._retry(f"connection: {type(err).__name__}")
                continue
            if resp.status >= 500:
                resp.release_conn()
                self._retry(f"HTTP {resp.status}")
                continue
            if resp.status >= 400:
                resp.release_conn()
                raise DataError(f"{url_name(self.url)}: HTTP {resp.status} from {self.url}")
            if self.info.bytes_read and resp.status != 206:
                resp.release_conn()
                raise DataError(
                    f"{url_name(self.url)}: the connection dropped after {self.info.bytes_read:,} bytes "
                    f"and the server cannot resume (HTTP {resp.status}, no range), or the file changed"
                )
            if first:
                self.info.final_url = resp.geturl() or self.url
                self.info.etag = resp.headers.get("ETag")
                self.info.last_modified = resp.headers.get("Last-Modified")
                length = resp.headers.get("Content-Length")
                self.info.size = int(length) if length and length.isdigit() else None
            self._resp = resp
            return

    def _retry(self, why: str) -> None:
        self.info.retries += 1
        self.info.problems.append(f"{why} at byte {self.info.bytes_read:,}")
        if self.info.retries > self.retries:
            raise DataError(
                f"{url_name(self.url)}: {why} from {self.url}; gave up after {self.retries} retries "
                f"at byte {self.info.bytes_read:,}"
            )
        time.sleep(self.pause * 2 ** min(self.info.retries - 1, 5))

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while True:
            try:
                data = self._resp.read1(len(b))  # what has arrived (a stalled read loses nothing)
                n = len(data)
                b[:n] = data
            except (self._urllib3.exceptions.HTTPError, OSError) as err:
                self._resp.release_conn()
                self._retry(f"read: {type(err).__name__}")
                self._open()
                continue
            if n == 0 and self.info.size is not None and self.info.bytes_read < self.info.size:
                self._retry("body shorter than its Content-Length")  # a cut the client did not see
                self._open()
                continue
            self.info.bytes_read += n
            return n

    def close(self) -> None:
        if self._resp is not None:
            self._resp.release_conn()
        super().close()
