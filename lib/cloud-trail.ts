import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Construct } from "constructs";

export interface CloudTrailLogProps {
  readonly trailName: string;
  /** S3 adds a unique suffix. */
  readonly bucketPrefix: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** Days a log file is kept. @default 90 */
  readonly retentionDays?: number;
}

/**
 * A minimal trail, so EventBridge sees Cognito's API calls ("AWS API Call via
 * CloudTrail" needs a trail logging management events in the region):
 * write-only management events, log-file validation, and a bucket that is
 * private, encrypted, TLS-only and expires its files. The first copy of
 * management events in a region is free of CloudTrail charges; S3 storage is not.
 */
export class CloudTrailLog extends Construct {
  readonly trail: Cloudtrail;
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: CloudTrailLogProps) {
    super(scope, id);
    const trailArn = `arn:${props.partition}:cloudtrail:${props.region}:${props.account}:trail/${props.trailName}`;
    this.bucket = new S3Bucket(this, "bucket", { bucketPrefix: props.bucketPrefix, forceDestroy: false });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "expiry", {
      bucket: this.bucket.id,
      rule: [{ id: "expire-trail-logs", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: props.retentionDays ?? 90 }] }],
    });

    // CloudTrail's documented bucket policy, scoped to this trail (aws:SourceArn), plus TLS only.
    const bucketArn = this.bucket.arn;
    const cloudtrail = [{ type: "Service", identifiers: ["cloudtrail.amazonaws.com"] }];
    const fromThisTrail = { test: "StringEquals", variable: "aws:SourceArn", values: [trailArn] };
    const policy = new DataAwsIamPolicyDocument(this, "bucket-policy-document", {
      statement: [
        { sid: "TrailAclCheck", effect: "Allow", principals: cloudtrail, actions: ["s3:GetBucketAcl"], resources: [bucketArn], condition: [fromThisTrail] },
        {
          sid: "TrailWrite",
          effect: "Allow",
          principals: cloudtrail,
          actions: ["s3:PutObject"],
          resources: [`${bucketArn}/AWSLogs/${props.account}/*`],
          condition: [fromThisTrail, { test: "StringEquals", variable: "s3:x-amz-acl", values: ["bucket-owner-full-control"] }],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [bucketArn, `${bucketArn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    const bucketPolicy = new S3BucketPolicy(this, "bucket-policy", { bucket: this.bucket.id, policy: policy.json });

    this.trail = new Cloudtrail(this, "trail", {
      name: props.trailName,
      s3BucketName: this.bucket.id,
      enableLogFileValidation: true,
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      eventSelector: [{ readWriteType: "WriteOnly", includeManagementEvents: true }],
      dependsOn: [bucketPolicy],
    });
  }
}
