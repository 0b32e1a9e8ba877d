// Verifies captured webhook deliveries with the official Standard Webhooks
// library, as a receiver would. Reads a JSON array of
// {"secret", "headers": {name: value}, "body_base64"} from stdin and prints
// one JSON array of {"ok": true} or {"ok": false, "error": "..."}.
'use strict';
const { Webhook } = require('standardwebhooks');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map(({ secret, headers, body_base64: body }) => {
    try {
      new Webhook(secret).verify(Buffer.from(body, 'base64'), headers);
      return { ok: true };
    } catch (e) {
      return { ok: false, error: String(e && e.message) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
