import type { GeneratedPackage } from './generated-packages.js';

/**
 * Packages with install scripts, as the native modules of real apps have them, without needing a
 * compiler: `with-install-script` builds at install time the file its `index.js` loads (as
 * bcrypt builds `bcrypt_lib.node`), so it loads only where its script ran;
 * `with-binding-gyp` has no script but a `binding.gyp`, for which package managers run
 * `node-gyp rebuild` (only lock-file and tree checks use it: nothing here installs it with scripts);
 * `needs-compiler` compiles its addon with `g++` at install, as a native module without a
 * prebuilt binary does (`needs-compiler-wrapped` through a wrapper that prints more after); `greeter-cli` installs two commands (`greet`, and one named after
 * itself), as build tools such as `@nestjs/cli` (`nest`) and `ts-node` do.
 */
export function scriptPackages(): GeneratedPackage[] {
  return [
    {
      name: 'greeter-cli',
      version: '1.0.0',
      dependencies: {},
      bin: { greet: 'bin/greet.js', 'greeter-cli': 'bin/greet.js' },
      files: {
        'bin/greet.js': "#!/usr/bin/env node\nconsole.log('greetings', process.argv.slice(2).join(' '));\n",
        'index.js': 'module.exports = {};\n',
      },
    },
    {
      name: 'with-install-script',
      version: '1.0.0',
      dependencies: {},
      scripts: { install: 'node build.js' },
      files: {
        'build.js':
          "require('fs').writeFileSync(require('path').join(__dirname, 'built.js'), 'module.exports = \"built at install\";\\n');\n",
        'index.js': "module.exports = require('./built.js');\n",
      },
    },
    {
      name: 'with-binding-gyp',
      version: '1.0.0',
      dependencies: {},
      files: {
        'binding.gyp': JSON.stringify({ targets: [{ target_name: 'addon', sources: ['addon.cc'] }] }),
        'index.js': "module.exports = require('./build/Release/addon.node');\n",
      },
    },
    {
      name: 'needs-compiler',
      version: '1.0.0',
      dependencies: {},
      scripts: { install: 'g++ -shared -fPIC -o addon.node addon.cc' },
      files: {
        'addon.cc': 'int answer() { return 42; }\n',
        'index.js': "module.exports = require('./addon.node');\n",
      },
    },
    {
      // As node-pre-gyp does: the compiler's error, then a stack of its own that pushes it out
      // of the last lines a failure shows.
      name: 'needs-compiler-wrapped',
      version: '1.0.0',
      dependencies: {},
      scripts: { install: 'g++ -shared -fPIC -o addon.node addon.cc || node fail.js' },
      files: {
        'addon.cc': 'int answer() { return 42; }\n',
        'fail.js':
          'for (let i = 0; i < 30; i++) console.error(`wrapper ERR! stack line ${i}`);\nprocess.exit(1);\n',
        'index.js': "module.exports = require('./addon.node');\n",
      },
    },
  ];
}
