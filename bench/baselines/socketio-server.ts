/**
 * Baseline 1: a bare socket.io 4 server. `rtcs:channel` subscribe joins a room; a publish is one
 * `io.to(channels).emit(event, data)`, socket.io's own broadcast (encoded once, one frame per socket).
 */
import '../targets/heap-snapshot-responder.ts';
import { Server } from 'socket.io';
import { createPublishServer, listenAndReport } from './publish-endpoint.ts';

const http = createPublishServer(
  ({ channels, event, data }) => {
    io.to(channels).emit(event, data);
  },
  () => io.engine.clientsCount,
);
const io = new Server(http, { serveClient: false });

io.on('connection', (socket) => {
  socket.on('rtcs:channel', (cmd: { command?: string; name?: string }) => {
    const name = String(cmd?.name ?? '');
    if (cmd?.command === 'unsubscribe') void socket.leave(name);
    else void socket.join(name);
    socket.emit('rtcs:channel', { type: `${cmd?.command === 'unsubscribe' ? 'unsubscribe' : 'subscribe'}_success`, name, message: 'ok' });
  });
});

listenAndReport(http);
