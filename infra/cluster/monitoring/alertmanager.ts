import type { AlertReceiver, MonitoringConfig } from "./config.js";

/** Secret (in the monitoring namespace) holding one webhook URL per receiver; mounted into Alertmanager. */
export const WEBHOOK_SECRET = "alertmanager-webhooks";
const SECRETS_DIR = `/etc/alertmanager/secrets/${WEBHOOK_SECRET}`;

interface Route {
  receiver: string;
  matchers: string[];
  continue?: boolean;
  group_wait?: string;
  repeat_interval?: string;
}

/**
 * Alertmanager routes by severity (the original design: critical / warning / info, multi-tier escalation).
 * A critical alert goes to `critical` at once and, through a second route whose group_wait is `escalateAfter`,
 * to `escalation` only if it is still firing then (resolved alerts are not sent to it).
 * Webhook URLs stay out of the values: each receiver reads its URL from the mounted secret (`url_file`).
 */
export function alertmanagerConfig(
  settings: MonitoringConfig["alertmanager"],
  receiversWithUrl: readonly AlertReceiver[],
): Record<string, unknown> {
  const routes: Route[] = [
    // The always-firing heartbeat and the inhibitor helper of kube-prometheus-stack go nowhere.
    { receiver: "null", matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] },
    {
      receiver: "critical",
      matchers: ['severity = "critical"'],
      continue: true,
      repeat_interval: settings.repeatInterval.critical,
    },
    {
      receiver: "escalation",
      matchers: ['severity = "critical"'],
      group_wait: settings.escalateAfter,
      repeat_interval: settings.repeatInterval.critical,
    },
    {
      receiver: "warning",
      matchers: ['severity = "warning"'],
      repeat_interval: settings.repeatInterval.warning,
    },
    { receiver: "info", matchers: ['severity = "info"'], repeat_interval: settings.repeatInterval.info },
  ];
  const receiver = (name: AlertReceiver) => ({
    name,
    ...(receiversWithUrl.includes(name)
      ? { webhook_configs: [{ url_file: `${SECRETS_DIR}/${name}`, send_resolved: name !== "escalation" }] }
      : {}),
  });
  return {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: "warning",
      group_by: ["alertname", "namespace", "severity"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: settings.repeatInterval.warning,
      routes,
    },
    // A critical alert silences the warning/info alerts of the same name and namespace.
    inhibit_rules: [
      {
        source_matchers: ['severity = "critical"'],
        target_matchers: ['severity =~ "warning|info"'],
        equal: ["alertname", "namespace"],
      },
      {
        source_matchers: ['severity = "warning"'],
        target_matchers: ['severity = "info"'],
        equal: ["alertname", "namespace"],
      },
    ],
    receivers: [{ name: "null" }, ...(["critical", "escalation", "warning", "info"] as const).map(receiver)],
  };
}
