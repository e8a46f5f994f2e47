// Drive a fuzzing server (Autobahn's protocol: getCaseCount, runCase,
// updateReports) with the Node `ws` client, echoing every message.
// usage: node ws_fuzz_client.js BASE_URL [AGENT]
const WebSocket = require('ws');
const base = process.argv[2] || 'ws://127.0.0.1:9001';
const agent = process.argv[3] || 'ws-client';

function open(url, onMessage) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
    ws.on('close', resolve);
    ws.on('error', () => resolve());
  });
}

(async () => {
  let count = 0;
  await open(`${base}/getCaseCount`, (ws, data) => { count = Number(data.toString()); });
  for (let i = 1; i <= count; i++) {
    await open(`${base}/runCase?case=${i}&agent=${encodeURIComponent(agent)}`,
      (ws, data, isBinary) => ws.send(data, { binary: isBinary }));
  }
  await open(`${base}/updateReports?agent=${encodeURIComponent(agent)}`, () => {});
  console.log(`${agent}: ran ${count} cases`);
})();
