/** Shown when the application has no delivery config: what one is and how to submit it. */
const EXAMPLE = (app: string) => `name: ${app}-delivery
application: ${app}
artifacts:
  - name: ${app}-api
    type: docker
    reference: api
environments:
  - name: test
    deploy:
      pipeline: Deploy
  - name: prod
    constraints:
      - type: depends-on
        environment: test
      - type: manual-judgement
        timeout: P5D
    notifications:
      - type: slack
        address: "#deploys"
        frequency: normal
    deploy:
      pipeline: Deploy`;

export default function NoDeliveryConfig({ app }: { app: string }) {
  return (
    <section className="card" aria-labelledby="no-config">
      <h2 id="no-config">No delivery config</h2>
      <p>
        <strong>{app}</strong> has no delivery config, so there are no environments to show. A delivery config names the
        artifacts CI builds and the environments their versions are promoted through (constraints such as a manual
        judgement approved from Slack, notifications, and the pipeline that deploys a version).
      </p>
      <p>Write a <code>spinnaker.yml</code> like this one (the README's “Managed delivery” chapter explains every field):</p>
      <pre aria-label="Example spinnaker.yml">{EXAMPLE(app)}</pre>
      <p>and submit it with the CLI:</p>
      <pre aria-label="Submit command">slackops delivery apply -f spinnaker.yml</pre>
      <p className="muted">
        or <code>POST /managed/delivery-configs</code> with the YAML (<code>Content-Type: application/x-yaml</code>) or JSON.
        Then CI registers versions with <code>POST /managed/application/{app}/artifacts/&#123;reference&#125;/versions</code>.
        This page updates by itself.
      </p>
    </section>
  );
}
