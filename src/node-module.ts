// Node's CommonJS Module class (runMain, wrap, createRequire, syncBuiltinESMExports), taken from
// a loaded module: `require('node:module')` also loads Node's ES module loader and its
// source-map support, some 50 KB of Node's own code compiled before every traced program's
// first line. (Not this module's own `module`: in a bundle that is the bundler's stand-in.)
type NodeModuleClass = typeof import('node:module') & {
  runMain(): void;
  wrap(source: string): string;
};

function nodeModuleClass(): NodeModuleClass {
  // The bin or the preload, at least, is loaded, and every loaded module is a Module.
  for (const loaded of Object.values(require.cache ?? {})) {
    const c = loaded?.constructor as Partial<NodeModuleClass> | undefined;
    if (typeof c?.wrap === 'function' && typeof c.syncBuiltinESMExports === 'function') {
      return c as NodeModuleClass;
    }
  }
  return require('node:module') as NodeModuleClass;
}

export const NodeModule: NodeModuleClass = nodeModuleClass();
