import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webProcess } from '../../../../src/build-types/node/web-process.js';

const files =
  (...present: string[]) =>
  (p: string) =>
    present.includes(p);

describe('the web process of a service without a Procfile web line', () => {
  it('is the start script first', () => {
    assert.deepEqual(webProcess('api', { scripts: { start: 'node app.js' }, main: 'x.js' }, files('x.js')), {
      command: 'npm start',
      from: 'the "start" script',
    });
    assert.equal(
      webProcess('api', { scripts: { start: 'x' } }, files(), 'yarn run start').command,
      'yarn run start',
    );
  });

  it("is node <main> before npm's server.js default (the payment service's case)", () => {
    assert.equal(
      webProcess('payment', { main: 'index.js' }, files('index.js', 'server.js')).command,
      'node index.js',
    );
    assert.equal(webProcess('api', { main: './lib/app' }, files('lib/app.js')).command, 'node lib/app.js');
    assert.equal(webProcess('api', { main: 'lib' }, files('lib/index.js')).command, 'node lib/index.js');
  });

  it("is server.js, npm's default, then index.js (the currency service's case)", () => {
    assert.equal(webProcess('currency', {}, files('server.js', 'client.js')).command, 'node server.js');
    assert.equal(webProcess('api', { main: 'gone.js' }, files('index.js')).command, 'node index.js');
  });

  it('fails the build naming the service and everything looked for', () => {
    assert.throws(
      () => webProcess('worker', { main: 'dist/main.js' }, files('src/main.ts')),
      /service "worker": nothing to run as "web": no Procfile with a web process, no "start" script in package.json, no file "dist\/main.js" \(its "main"\), no server.js or index.js \(hint: add a Procfile line/,
    );
  });
});
