// A peer that lies: a tiny HTTP server in front of a real gateway that
// passes every answer through but flips a byte of each CAR: the last one
// ("flip": the last block then does not match its CID) or byte 200
// ("flipearly": inside the first block, the root). With "stall" it accepts
// connections and never answers. Prints its port, then serves until killed.
//   node evil-peer.mjs flip|flipearly|stall UPSTREAM
import http from 'node:http';

const [mode, upstream] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  if (mode === 'stall') return; // say nothing, keep the socket open
  http.get(upstream + req.url, { headers: { accept: req.headers.accept || '*/*' } }, (up) => {
    const parts = [];
    up.on('data', (c) => parts.push(c));
    up.on('end', () => {
      const body = Buffer.concat(parts);
      if (up.statusCode === 200 && body.length > 200) body[mode === 'flipearly' ? 200 : body.length - 1] ^= 0x01;
      res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] || 'application/octet-stream' });
      res.end(body);
    });
  }).on('error', () => { res.writeHead(502); res.end(); });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
