/** Parley's version (the server package's), for the start banner, `parley --version` and the docs. */
import pkg from '../package.json' with { type: 'json' };

export const PARLEY_VERSION: string = pkg.version;
