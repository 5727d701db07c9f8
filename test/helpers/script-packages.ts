import type { GeneratedPackage } from './generated-packages.js';

/**
 * Packages with install scripts, as the native modules of real apps have them, without needing a
 * compiler: `with-install-script` builds at install time the file its `index.js` loads (as
 * bcrypt builds `bcrypt_lib.node`), so it loads only where its script ran;
 * `with-binding-gyp` has no script but a `binding.gyp`, for which package managers run
 * `node-gyp rebuild` (only lock-file and tree checks use it: nothing here installs it with scripts).
 */
export function scriptPackages(): GeneratedPackage[] {
  return [
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
  ];
}
