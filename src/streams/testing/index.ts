// sluice/streams/testing: the topology test driver, for unit tests of streams apps without a broker.
export { TopologyTestDriver, TestInputTopic, TestOutputTopic, type TestRecord, type TestDriverOptions, type PipeOptions } from './test-driver.ts'
