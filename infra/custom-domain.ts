// The API under a custom domain, e.g. https://api.purposepath.ai/coaching, in one of two modes.
// `existing`: the domain is shared and owned elsewhere, so this stack adds only its API mapping
// and never owns, changes or deletes the domain, its certificate or its DNS record. `create`: the
// stack owns the domain; with a hosted zone it also issues the certificate and writes the alias,
// without one it uses an issued certificate and hands the target name to whoever owns the DNS.
// The streaming REST API maps onto the same regional domain under its own key (API mappings
// take REST and HTTP APIs alike), so both live under one name and one certificate.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { CustomDomainMode } from './config';

export interface CustomDomainArgs {
  readonly domainName: string;
  readonly mode: CustomDomainMode;
  readonly mappingKey: string;
  readonly apiId: pulumi.Input<string>;
  readonly stageName: pulumi.Input<string>;
  /** `create` only, exactly one: the zone (by id or name) to validate and alias in, or a certificate. */
  readonly hostedZoneId?: string;
  readonly hostedZoneName?: string;
  readonly certificateArn?: string;
  /** The streaming endpoint's REST API stage, mapped under its own key. */
  readonly streaming?: {
    readonly mappingKey: string;
    readonly restApiId: pulumi.Input<string>;
    readonly stageName: pulumi.Input<string>;
  };
}

interface MappedDomain {
  /** The name the API mapping attaches to. */
  readonly name: pulumi.Input<string>;
  /** The regional name the domain's DNS record points at. */
  readonly targetDomainName: pulumi.Output<string>;
}

export class CustomDomain extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  /** The streaming endpoint under the domain, when it is mapped. */
  readonly streamingUrl?: pulumi.Output<string>;
  readonly targetDomainName: pulumi.Output<string>;

  constructor(name: string, args: CustomDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:CustomDomain', name, {}, opts);

    const domain =
      args.mode === 'existing' ? this.existingDomain(args) : this.createdDomain(name, args);
    new aws.apigatewayv2.ApiMapping(
      `${name}-mapping`,
      {
        apiId: args.apiId,
        domainName: domain.name,
        stage: args.stageName,
        apiMappingKey: args.mappingKey,
      },
      // A key is unique on its domain, so a new mapping can only follow the old one's removal.
      { parent: this, deleteBeforeReplace: true },
    );

    if (args.streaming) {
      new aws.apigatewayv2.ApiMapping(
        `${name}-streaming-mapping`,
        {
          apiId: args.streaming.restApiId,
          domainName: domain.name,
          stage: args.streaming.stageName,
          apiMappingKey: args.streaming.mappingKey,
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.streamingUrl = pulumi.output(`https://${args.domainName}/${args.streaming.mappingKey}`);
    }

    this.url = pulumi.output(`https://${args.domainName}/${args.mappingKey}`);
    this.targetDomainName = domain.targetDomainName;
    this.registerOutputs({
      url: this.url,
      streamingUrl: this.streamingUrl,
      targetDomainName: this.targetDomainName,
    });
  }

  /**
   * Looked up rather than assumed, so a misspelt or missing domain stops the preview. The lookup
   * is API Gateway's domain-name read, which REST and HTTP APIs share; an HTTP API maps only onto
   * a regional domain.
   */
  private existingDomain(args: CustomDomainArgs): MappedDomain {
    const found = aws.apigateway.getDomainNameOutput(
      { domainName: args.domainName },
      { parent: this },
    );
    const name = found.apply((domain) => {
      const regional = domain.endpointConfigurations.some((c) => c.types.includes('REGIONAL'));
      if (!regional) {
        throw new Error(`${args.domainName} is not a regional domain name; an HTTP API needs one`);
      }
      return domain.domainName;
    });
    return { name, targetDomainName: found.regionalDomainName };
  }

  private createdDomain(name: string, args: CustomDomainArgs): MappedDomain {
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
    return { name: domain.id, targetDomainName: target.apply((t) => t.targetDomainName ?? '') };
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
