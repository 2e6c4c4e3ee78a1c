/**
 * CloudWatch metrics as embedded-metric-format (EMF) log lines: no API call,
 * no extra permission, no library in the bundle. Written straight to stdout:
 * with Lambda's JSON log format, console.* output is wrapped in a "message"
 * field, where CloudWatch would not find the metrics.
 */

export const METRICS_NAMESPACE = "UserSync";

/** Function names are the metrics' one dimension; alarms name them. */
export const METRIC_DIMENSION = "Function";

export type MetricUnit = "Count" | "Milliseconds";

/** One EMF document: the metrics, the function dimension, and any extra (non-personal) properties. */
export function emfDocument(
  functionName: string,
  metrics: Readonly<Record<string, number>>,
  units: Readonly<Record<string, MetricUnit>> = {},
  properties: Readonly<Record<string, unknown>> = {},
  now: number = Date.now(),
): Record<string, unknown> {
  return {
    ...properties,
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[METRIC_DIMENSION]],
          Metrics: Object.keys(metrics).map((name) => ({ Name: name, Unit: units[name] ?? "Count" })),
        },
      ],
    },
    [METRIC_DIMENSION]: functionName,
    ...metrics,
  };
}

/** Writes the metrics as one EMF line. */
export function putMetrics(metrics: Readonly<Record<string, number>>, units?: Readonly<Record<string, MetricUnit>>, properties?: Readonly<Record<string, unknown>>): void {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local";
  process.stdout.write(`${JSON.stringify(emfDocument(functionName, metrics, units, properties))}\n`);
}
