/**
 * Entry of the browser bundle (`/sdk/gitple-live-sdk-v{VERSION}.min.js`, `/sdk/parley.min.js`): exposes
 * the client as `GitpleLive.Client` and `Parley.Client`, and GitpleLive SDK 1.1's `GitpleLiveChat.ChatClient`.
 */
import { ChatClient } from './chat-client.ts';
import { Client } from './client.ts';
import { SdkError } from './rest.ts';
import { SDK_VERSION } from './version.ts';

const api = Object.freeze({ Client, ChatClient, SdkError, VERSION: SDK_VERSION });
// GitpleLiveChat: the global of GitpleLive's SDK 1.1 (`new GitpleLiveChat.ChatClient({host, app_id})`).
Object.assign(globalThis, { GitpleLive: api, Parley: api, GitpleLiveChat: api });
