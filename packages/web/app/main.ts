/**
 * Entry of the demo page's script (`/app.js`, bundled by the server's build with Preact): renders the
 * page into `#root`. The SDK comes from its own bundle (`/sdk/parley.min.js`), as an app would load it.
 */
import { h, render } from 'preact';
import { App } from './app.tsx';

render(h(App, null), document.getElementById('root')!);
