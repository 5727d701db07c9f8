import { get } from 'node:http';

/** One GET with node:http (undici's fetch lets the event loop go idle while docker-proxy holds the connection). */
function getOnce(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function httpGet(url: string): Promise<string> {
  // The server needs a moment to listen; retry until it answers (the test runner's timeout bounds this).
  for (;;) {
    try {
      return await getOnce(url);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
