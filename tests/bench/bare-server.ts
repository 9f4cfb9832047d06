import http from 'node:http';
import { Server } from 'socket.io';

/**
 * The live-push baseline: a plain Socket.IO server, no database, no sessions. POST /emit with a JSON body
 * broadcasts it as `queue:change` to every connected client, as the real server does after a commit.
 * argv[2]: the port. IPC out: {type:'ready'}.
 */
const port = Number(process.argv[2]);
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/emit') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      io.emit('queue:change', JSON.parse(Buffer.concat(chunks).toString()));
      res.writeHead(204).end();
    } catch {
      res.writeHead(400).end();
    }
  });
});
const io = new Server(server, { path: '/socket.io', serveClient: false });
server.listen(port, '127.0.0.1', () => process.send?.({ type: 'ready' }));
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
