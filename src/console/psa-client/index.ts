// The console's only way to a ConnectWise: the HTTPS client, its in-memory fake for unit tests, and the shared types.
export { API_VERSION, ConnectWiseClient, type ConnectWiseClientOptions } from './client.js';
export {
  DEFAULT_FAKE_REFERENCES,
  type FakeCall,
  FakeConnectWise,
  type FakeConnectWiseOptions,
  type FakeFailure,
  type FakeMatcher,
  type FakeReference,
} from './fake.js';
export * from './types.js';
