import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { METRIC_DIMENSION, METRICS_NAMESPACE } from "../core/metrics";
import type { AlarmName } from "./names";

export interface AlarmsProps {
  /** Alarm names are `<prefix>-<what>`. */
  readonly namePrefix: string;
  readonly postConfirmationFunction: string;
  /** @default no reconcile alarms */
  readonly reconcile?: { readonly stateMachineArn: string; readonly workerFunction: string };
  /** @default no user-events alarm */
  readonly userEvents?: { readonly deadLetterQueueName: string; readonly functionName: string };
  /** Creates a topic with this address subscribed. @default none */
  readonly alarmEmail?: string;
  readonly alarmTopicName?: string;
  /** Your topic. @default none */
  readonly alarmTopicArn?: string;
}

/** What should wake someone up: a failing or slow trigger, a failed reconcile, and users found without rows. */
export class Alarms extends Construct {
  readonly topicArn?: string;
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    if (props.alarmEmail) {
      // Not SSE: CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key, and alarm messages hold no personal data.
      const topic = new SnsTopic(this, "topic", { name: props.alarmTopicName ?? `${props.namePrefix}-alarms` });
      new SnsTopicSubscription(this, "email", { topicArn: topic.arn, protocol: "email", endpoint: props.alarmEmail });
      this.topicArn = topic.arn;
    } else {
      this.topicArn = props.alarmTopicArn;
    }
    const actions = this.topicArn ? { alarmActions: [this.topicArn], okActions: [this.topicArn] } : {};
    // Every name is in lib/names.ts's ALARMS, so its length is checked at synth.
    const alarm = (what: AlarmName, description: string, config: Omit<CloudwatchMetricAlarmConfig, "alarmName" | "alarmDescription" | "comparisonOperator" | "evaluationPeriods">) =>
      this.alarms.push(
        new CloudwatchMetricAlarm(this, what, {
          alarmName: `${props.namePrefix}-${what}`,
          alarmDescription: description,
          comparisonOperator: "GreaterThanThreshold",
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
          ...actions,
          ...config,
        }),
      );
    const lambda = { namespace: "AWS/Lambda", dimensions: { FunctionName: props.postConfirmationFunction }, period: 300 };
    alarm("post-confirmation-errors", "PostConfirmation failed: users are confirmed without a row until the next reconcile", {
      ...lambda,
      metricName: "Errors",
      statistic: "Sum",
      threshold: 0,
    });
    alarm("post-confirmation-duration-p99", "PostConfirmation p99 duration above 3 s, near Cognito's 5 s wait", {
      ...lambda,
      metricName: "Duration",
      extendedStatistic: "p99",
      threshold: 3000,
    });
    alarm("post-confirmation-throttles", "PostConfirmation throttled: sign-ups are failing", { ...lambda, metricName: "Throttles", statistic: "Sum", threshold: 0 });
    if (props.reconcile) {
      const states = { namespace: "AWS/States", dimensions: { StateMachineArn: props.reconcile.stateMachineArn }, period: 3600, statistic: "Sum", threshold: 0 };
      alarm("reconcile-failed", "The scheduled reconcile failed", { ...states, metricName: "ExecutionsFailed" });
      alarm("reconcile-timed-out", "The scheduled reconcile timed out", { ...states, metricName: "ExecutionsTimedOut" });
      alarm("reconcile-missing-rows", "The scheduled reconcile found confirmed users without a row: triggers are failing somewhere", {
        namespace: METRICS_NAMESPACE,
        metricName: "missing",
        dimensions: { [METRIC_DIMENSION]: props.reconcile.workerFunction },
        period: 3600,
        statistic: "Maximum",
        threshold: 0,
      });
      alarm("post-confirmation-detached", "The pool's PostConfirmation no longer runs this stack's function (an Amplify deploy or a console edit reset it): run user-sync attach", {
        namespace: METRICS_NAMESPACE,
        metricName: "triggerDrift",
        dimensions: { [METRIC_DIMENSION]: props.reconcile.workerFunction },
        period: 3600,
        statistic: "Maximum",
        threshold: 0,
      });
    }
    if (props.userEvents) {
      alarm("user-events-dead-letters", "User events failed after every retry: rows of deleted or changed users wait for the scheduled reconcile; read the queue's messages", {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: props.userEvents.deadLetterQueueName },
        period: 300,
        statistic: "Maximum",
        threshold: 0,
      });
      alarm("user-events-unidentified", "A Cognito call that changes or deletes a user arrived naming no user (no sub, no username): its row was not touched; the scheduled reconcile is the fallback", {
        namespace: METRICS_NAMESPACE,
        metricName: "unidentified",
        dimensions: { [METRIC_DIMENSION]: props.userEvents.functionName },
        period: 300,
        statistic: "Sum",
        threshold: 0,
      });
    }
  }
}
