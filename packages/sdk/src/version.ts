/** The SDK version; the server serves the bundle as `/sdk/gitple-live-sdk-v{SDK_VERSION}.min.js`. */
export const SDK_VERSION = '0.1.0';
