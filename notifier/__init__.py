"""Warns before certificates held in NAVER Cloud Platform Certificate Manager expire.

Modules, in the order a run uses them:

- ``config``: every environment variable, read once into ``Settings``;
- ``credentials``: the NCP key and the webhook URL, possibly from Secrets Manager;
- ``ncp_client`` (with ``signing`` and ``transport``): listing every certificate;
- ``certificate`` and ``dates``: reading one certificate and its expiry;
- ``policy``: state, days left, threshold, and whether a run is due to warn;
- ``digest`` (with ``templates/``): the e-mails, subject and Slack message;
- ``channels``: SNS, SES and the Slack-compatible webhook;
- ``report``: the JSON an invocation returns;
- ``job``: one run, end to end; ``invocation``: events into requests;
- with a state table: ``delivery`` (what each channel is sent), ``notices``
  (what is news to it), ``state`` (DynamoDB) and ``heartbeat``;
- ``logs``, ``metrics`` and ``library_logs``: what a run tells CloudWatch.

The command line (``cli``), the ``demo`` and ``testing/`` are for development
and are left out of the deployment package.
"""
