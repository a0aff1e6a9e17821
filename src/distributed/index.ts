/**
 * robonav/distributed: training and evaluation across machines over Redis — the broker
 * connection, and sharded evaluation jobs that actors take.
 */

// The Redis broker: the checked --broker URL and a connection that reconnects with back-off.
export { Broker, BrokerError, parseBrokerUrl, type BrokerOptions, type BrokerUrl } from './Broker.js';
