/**
 * Entry of the browser bundle (`/sdk/gitple-live-sdk-v{VERSION}.min.js`, `/sdk/parley.min.js`): exposes
 * the client as `GitpleLive.Client` and `Parley.Client`.
 */
import { Client } from './client.ts';
import { SdkError } from './rest.ts';
import { SDK_VERSION } from './version.ts';

const api = Object.freeze({ Client, SdkError, VERSION: SDK_VERSION });
Object.assign(globalThis, { GitpleLive: api, Parley: api });
