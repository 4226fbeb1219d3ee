import {
  detectResources,
  envDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';

/**
 * The resource every span and metric carries: `service.name` (`OTEL_SERVICE_NAME`, else
 * integrity-worker), `service.version`, and whatever `OTEL_RESOURCE_ATTRIBUTES` adds.
 */
export function workerResource(serviceName: string, serviceVersion: string): Resource {
  return resourceFromAttributes({ 'service.name': serviceName, 'service.version': serviceVersion }).merge(
    detectResources({ detectors: [envDetector] }),
  );
}
