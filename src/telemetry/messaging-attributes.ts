/**
 * OpenTelemetry messaging semantic-convention names (semconv 1.45, still incubating). Copied, as the
 * semantic-conventions package advises for incubating names, so an upgrade cannot rename them under
 * us; a unit test keeps them equal to the package's.
 */
export const MESSAGING = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  offset: 'messaging.kafka.offset',
  key: 'messaging.kafka.message.key',
  tombstone: 'messaging.kafka.message.tombstone',
  consumerGroup: 'messaging.consumer.group.name',
  clientId: 'messaging.client.id',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
} as const;

export const MESSAGING_SYSTEM_KAFKA = 'kafka';
export const OPERATION_PROCESS = 'process';
export const OPERATION_SEND = 'send';
