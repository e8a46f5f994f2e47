// Node `ws` echo server (as in the ws-8.18.3 oracle: echo text and binary,
// permessage-deflate on). usage: node ws_echo_server.js PORT
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2] || 9003);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: true, maxPayload: 64 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
