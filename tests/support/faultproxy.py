"""A TCP proxy on 127.0.0.1 that misbehaves on purpose, one fault per connection.

    with FaultProxy(upstream_port) as proxy:
        proxy.plan(["cut_request", "drop_response", "pass"])  # faults for the next connections
        proxy.url  ->  http://127.0.0.1:<port>

Faults (clients should open one connection per request, e.g. httpx with keep-alive off):
    pass           forward both ways
    cut_request    forward only the first `cut_bytes` of the request, then close both sides
    drop_response  forward the request, wait for the upstream's first answer byte (the hub has
                   committed by then), then close the client's side without a word
    error500       answer "500 Internal Server Error" without forwarding
    delay          hold the request `delay` seconds before forwarding (client timeouts)
    duplicate      forward the request on two upstream connections (a batch delivered twice);
                   the client gets the first answer
    hold           on a kept-alive connection, pass requests until a POST /v1/batches; forward
                   that one, set `held`, and relay its answer only after `release()` (to kill
                   something while its batch is in flight)

`link(rate_bps, rtt)` emulates a slow link for all traffic: each direction paced at `rate_bps`
bits per second and delayed by rtt/2. `bytes_up` / `bytes_down` count what crossed.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import threading
import time

CHUNK = 1460


class FaultProxy:
    def __init__(self, upstream_port: int, *, cut_bytes: int = 300, delay: float = 5.0) -> None:
        self.upstream_port = upstream_port
        self.cut_bytes = cut_bytes
        self.delay = delay
        self._plan: collections.deque[str] = collections.deque()
        self.default = "pass"
        self.rate_bps: float | None = None
        self.one_way = 0.0
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self.faults_done: list[str] = []
        self.held = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self._ready = threading.Event()
        self._writers: set = set()

    # --- control (from the test's thread) -------------------------------------------------
    def plan(self, faults: list[str]) -> None:
        with self._lock:
            self._plan.extend(faults)

    def link(self, rate_bps: float | None, rtt: float = 0.0) -> None:
        self.rate_bps, self.one_way = rate_bps, rtt / 2

    def release(self) -> None:
        self._release.set()

    def _next_fault(self) -> str:
        with self._lock:
            self.connections += 1
            fault = self._plan.popleft() if self._plan else self.default
            self.faults_done.append(fault)
            return fault

    def __enter__(self) -> "FaultProxy":
        self.thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.sock.close()

    async def _shutdown(self) -> None:
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if tasks:  # aborted connections end their handlers; cancel only what still hangs
            _done, pending = await asyncio.wait(tasks, timeout=2)
            for task in pending:
                task.cancel()

    # --- the proxy ------------------------------------------------------------------------
    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.sock.listen(64)
        self._server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, sock=self.sock))
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    async def _open(self):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers.add(writer)
        return reader, writer

    async def _paced(self, data: bytes, up: bool) -> None:
        if up:
            self.bytes_up += len(data)
        else:
            self.bytes_down += len(data)
        if self.rate_bps:
            await asyncio.sleep(len(data) * 8 / self.rate_bps)

    async def _pump(self, reader, writer, up: bool, limit: int | None = None,
                    first_byte: asyncio.Event | None = None) -> None:
        """Copy reader -> writer (paced, delayed), optionally only `limit` bytes."""
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        sent = 0
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                if first_byte is not None:
                    first_byte.set()
                    return
                if limit is not None:
                    data = data[:max(0, limit - sent)]
                await self._paced(data, up)
                sent += len(data)
                queue.put_nowait((time.monotonic() + self.one_way, data))
                if limit is not None and sent >= limit:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            queue.put_nowait((0, None))
            try:
                await sender
            except (ConnectionError, OSError):
                pass

    async def _close(self, *writers) -> None:
        for w in writers:
            self._writers.discard(w)
            try:
                w.close()
            except (ConnectionError, OSError, RuntimeError):
                pass

    @staticmethod
    async def _read_message(reader) -> bytes:
        """One whole HTTP request or response (headers + Content-Length body)."""
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return head + (await reader.readexactly(length) if length else b"")

    async def _hold(self, c_reader, c_writer) -> None:
        u_reader, u_writer = await self._open()
        try:
            while True:
                request = await self._read_message(c_reader)
                u_writer.write(request)
                await u_writer.drain()
                if request.startswith(b"POST /v1/batches"):
                    self.held.set()
                    await asyncio.get_running_loop().run_in_executor(None, self._release.wait, 30)
                    await self._pump(u_reader, c_writer, False)
                    return
                c_writer.write(await self._read_message(u_reader))
                await c_writer.drain()
        finally:
            await self._close(u_writer)

    async def _handle(self, c_reader, c_writer) -> None:
        self._writers.add(c_writer)
        fault = self._next_fault()
        try:
            if fault == "pass":
                u_reader, u_writer = await self._open()
                down = asyncio.ensure_future(self._pump(u_reader, c_writer, False))
                await self._pump(c_reader, u_writer, True)
                await self._close(u_writer)  # the client is done: let the upstream go too
                await down
            elif fault == "cut_request":
                u_reader, u_writer = await self._open()
                await self._pump(c_reader, u_writer, True, limit=self.cut_bytes)
                await self._close(u_writer)
            elif fault == "error500":
                await self._read_message(c_reader)
                c_writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                               b"Connection: close\r\n\r\n")
                await c_writer.drain()
            elif fault == "hold":
                await self._hold(c_reader, c_writer)
            elif fault in ("drop_response", "delay", "duplicate"):
                request = await self._read_message(c_reader)
                await self._paced(request, True)
                if fault == "delay":
                    await asyncio.sleep(self.delay)
                await asyncio.sleep(self.one_way)
                u_reader, u_writer = await self._open()
                u_writer.write(request)
                await u_writer.drain()
                if fault == "duplicate":
                    r2, w2 = await self._open()
                    w2.write(request)
                    await w2.drain()
                    await r2.read(65536)
                    await self._close(w2)
                if fault == "drop_response":
                    await u_reader.read(1)  # the hub answers only after its commit
                    await self._close(u_writer)
                else:
                    await self._pump(u_reader, c_writer, False)
                    await self._close(u_writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            await self._close(c_writer)
