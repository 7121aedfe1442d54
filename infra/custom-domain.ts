// The API under a custom domain, e.g. https://api.purposepath.ai/coaching. With a hosted zone
// this stack owns the certificate and DNS; without one it uses an issued certificate and hands
// the target name to whoever owns the DNS.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface CustomDomainArgs {
  readonly domainName: string;
  readonly mappingKey: string;
  readonly apiId: pulumi.Input<string>;
  readonly stageName: pulumi.Input<string>;
  /** Exactly one: the zone (by id or by name) to validate and alias in, or an issued certificate. */
  readonly hostedZoneId?: string;
  readonly hostedZoneName?: string;
  readonly certificateArn?: string;
}

export class CustomDomain extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  /** The regional name the domain's DNS record must point at. */
  readonly targetDomainName: pulumi.Output<string>;

  constructor(name: string, args: CustomDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:CustomDomain', name, {}, opts);
    const child = { parent: this };

    const zoneId = args.hostedZoneName
      ? aws.route53.getZoneOutput({ name: args.hostedZoneName, privateZone: false }, child).zoneId
      : args.hostedZoneId;
    const certificateArn = zoneId
      ? this.validatedCertificate(name, args.domainName, zoneId)
      : pulumi.output(args.certificateArn ?? '');

    const domain = new aws.apigatewayv2.DomainName(
      `${name}-domain`,
      {
        domainName: args.domainName,
        domainNameConfiguration: {
          certificateArn,
          endpointType: 'REGIONAL',
          securityPolicy: 'TLS_1_2',
        },
      },
      child,
    );
    new aws.apigatewayv2.ApiMapping(
      `${name}-mapping`,
      {
        apiId: args.apiId,
        domainName: domain.id,
        stage: args.stageName,
        apiMappingKey: args.mappingKey,
      },
      child,
    );
    const target = domain.domainNameConfiguration;
    if (zoneId) {
      new aws.route53.Record(
        `${name}-alias`,
        {
          zoneId,
          name: args.domainName,
          type: 'A',
          aliases: [
            {
              name: target.apply((t) => t.targetDomainName ?? ''),
              zoneId: target.apply((t) => t.hostedZoneId ?? ''),
              evaluateTargetHealth: false,
            },
          ],
        },
        child,
      );
    }

    this.url = pulumi.output(`https://${args.domainName}/${args.mappingKey}`);
    this.targetDomainName = target.apply((t) => t.targetDomainName ?? '');
    this.registerOutputs({ url: this.url, targetDomainName: this.targetDomainName });
  }

  /** An ACM certificate for the domain, proven by a DNS record in the zone. */
  private validatedCertificate(
    name: string,
    domainName: string,
    zoneId: pulumi.Input<string>,
  ): pulumi.Output<string> {
    const certificate = new aws.acm.Certificate(
      `${name}-certificate`,
      { domainName, validationMethod: 'DNS' },
      { parent: this },
    );
    // One domain name, so exactly one validation record.
    const validation = certificate.domainValidationOptions.apply((options) => {
      const [first] = options;
      if (!first) throw new Error(`ACM returned no DNS validation record for ${domainName}`);
      return first;
    });
    const record = new aws.route53.Record(
      `${name}-certificate-validation`,
      {
        zoneId,
        name: validation.resourceRecordName,
        type: validation.resourceRecordType,
        records: [validation.resourceRecordValue],
        ttl: 300,
        allowOverwrite: true,
      },
      { parent: this },
    );
    return new aws.acm.CertificateValidation(
      `${name}-certificate-issued`,
      { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
      { parent: this },
    ).certificateArn;
  }
}
