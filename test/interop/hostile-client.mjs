// Hostile HTTP clients for test-limits.sh, on raw sockets (loopback only,
// bounded in time). Each prints one JSON line.
//   slowloris PORT MS             a GET whose headers come one byte every MS
//   slowbody PORT PATH LEN RATE   a POST of LEN bytes at RATE bytes/s
//   hold PORT N SECS              N idle connections held for SECS seconds
//   uploads PORT PATH N LEN       N POSTs at once, each of LEN bytes, sent fast
//   raw PORT                      stdin as the request; the reply's status
//   bigpost PORT PATH LEN [TOKEN] headers for a LEN-byte POST and 64 KiB of
//                                 it, then waits 3 s: is it answered early?
//   slowread PORT PATH RATE SECS  a GET whose reply is read at RATE bytes/s, for SECS
import net from "node:net";
import fs from "node:fs";

const [cmd, portArg, ...rest] = process.argv.slice(2);
const port = Number(portArg);
const t0 = Date.now();
const LIMIT_MS = 60000;

// Resolves with {status, ms, sent, body} when the server closes the socket.
function exchange(writer) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let got = "", sent = 0, closed = false, start = Date.now();
    const timer = setTimeout(() => s.destroy(), LIMIT_MS);
    s.on("data", (d) => { got += d.toString("latin1"); });
    s.on("error", () => {});
    s.on("close", () => {
      closed = true;
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, ms: Date.now() - start, sent,
                body: got.slice(got.indexOf("\r\n\r\n") + 4).trim() });
    });
    s.on("connect", () => writer(s, (n) => { sent += n; }, () => closed));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function trickle(s, bytes, perByteMs, count, isClosed) {
  for (let i = 0; i < bytes.length && !isClosed(); i++) {
    if (!s.write(bytes.subarray(i, i + 1))) await sleep(1);
    count(1);
    await sleep(perByteMs);
  }
}

if (cmd === "slowloris") {
  const ms = Number(rest[0]);
  const req = Buffer.from("GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-Pad: " + "a".repeat(2000) + "\r\n\r\n");
  console.log(JSON.stringify(await exchange((s, count, isClosed) => trickle(s, req, ms, count, isClosed))));
} else if (cmd === "slowbody") {
  const [path, len, rate] = [rest[0], Number(rest[1]), Number(rest[2])];
  const r = await exchange(async (s, count, isClosed) => {
    s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${len}\r\n\r\n`);
    const chunk = Math.max(1, Math.round(rate / 10));
    for (let i = 0; i < len && !isClosed(); i += chunk) {
      s.write(Buffer.alloc(Math.min(chunk, len - i), 120));
      count(Math.min(chunk, len - i));
      await sleep(100);
    }
  });
  console.log(JSON.stringify(r));
} else if (cmd === "hold") {
  const [n, secs] = [Number(rest[0]), Number(rest[1])];
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    socks.push(s);
  }
  await sleep(300);
  console.log(JSON.stringify({ held: socks.filter((s) => !s.destroyed && s.readyState === "open").length }));
  await sleep(secs * 1000);
  socks.forEach((s) => s.destroy());
} else if (cmd === "uploads") {
  const [path, n, len] = [rest[0], Number(rest[1]), Number(rest[2])];
  const all = [];
  for (let i = 0; i < n; i++) {
    all.push(exchange(async (s, count, isClosed) => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${len}\r\nConnection: close\r\n\r\n`);
      // the first 90% at once, then hold: every upload is in flight together
      const head = Math.floor(len * 0.9);
      s.write(Buffer.alloc(head, 120)); count(head);
      await sleep(1500);
      if (!isClosed()) { s.write(Buffer.alloc(len - head, 120)); count(len - head); }
    }));
  }
  const rs = await Promise.all(all);
  console.log(JSON.stringify(rs.map((r) => r.status).sort()));
} else if (cmd === "slowread") {
  const [path, rate, secs] = [rest[0], Number(rest[1]), Number(rest[2] || 60)];
  const r = await new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let got = 0, start = Date.now(), timer;
    s.on("error", () => {});
    s.on("connect", () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      s.pause();
      timer = setInterval(() => { // rate bytes a second, in tenths
        let want = Math.max(1, Math.round(rate / 10)), d;
        while (want > 0 && (d = s.read(Math.min(want, s.readableLength || 1))) !== null) { got += d.length; want -= d.length; }
        if (Date.now() - start > secs * 1000) s.destroy();
      }, 100);
    });
    s.on("close", () => { clearInterval(timer); resolve({ got, ms: Date.now() - start }); });
  });
  console.log(JSON.stringify(r));
} else if (cmd === "bigpost") {
  const [path, len, token] = [rest[0], Number(rest[1]), rest[2]];
  const r = await exchange(async (s, count) => {
    s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n` +
      (token ? `Authorization: Bearer ${token}\r\n` : "") + `Content-Length: ${len}\r\n\r\n`);
    s.write(Buffer.alloc(65536, 120)); count(65536);
    await sleep(3000);
    s.destroy();
  });
  console.log(JSON.stringify(r));
} else if (cmd === "raw") {
  const req = fs.readFileSync(0);
  console.log(JSON.stringify(await exchange((s) => s.write(req))));
} else {
  console.error("unknown command " + cmd);
  process.exit(2);
}
process.exit(0);
