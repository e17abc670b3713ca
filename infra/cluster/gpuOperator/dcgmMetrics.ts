/**
 * The DCGM fields the exporter collects, as its counters CSV (`field, type, help`). The chart's default CSV omits
 * the volatile ECC counter that GPUEccDoubleBitErrors reads; this list holds every DCGM field dashboards/ names
 * (test/unit/cluster/gpuOperator.test.ts checks that) plus a few for troubleshooting.
 */
export const DCGM_FIELDS: readonly { field: string; type: "gauge" | "counter"; help: string }[] = [
  { field: "DCGM_FI_DEV_GPU_UTIL", type: "gauge", help: "GPU utilization (in %)." },
  { field: "DCGM_FI_DEV_MEM_COPY_UTIL", type: "gauge", help: "Memory utilization (in %)." },
  { field: "DCGM_FI_DEV_FB_USED", type: "gauge", help: "Framebuffer memory used (in MiB)." },
  { field: "DCGM_FI_DEV_FB_FREE", type: "gauge", help: "Framebuffer memory free (in MiB)." },
  { field: "DCGM_FI_DEV_GPU_TEMP", type: "gauge", help: "GPU temperature (in C)." },
  { field: "DCGM_FI_DEV_MEMORY_TEMP", type: "gauge", help: "Memory temperature (in C)." },
  { field: "DCGM_FI_DEV_POWER_USAGE", type: "gauge", help: "Power draw (in W)." },
  { field: "DCGM_FI_DEV_SM_CLOCK", type: "gauge", help: "SM clock frequency (in MHz)." },
  { field: "DCGM_FI_DEV_XID_ERRORS", type: "gauge", help: "Value of the last XID error encountered." },
  { field: "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", type: "counter", help: "Single-bit volatile ECC errors." },
  { field: "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", type: "counter", help: "Double-bit volatile ECC errors." },
  { field: "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", type: "counter", help: "Total number of PCIe retries." },
];

/** Key of the CSV in the ConfigMap; the operator mounts it as `/etc/dcgm-exporter/<key>`. */
export const DCGM_CSV_KEY = "dcgm-metrics.csv";

/** The exporter's counters file. */
export function dcgmMetricsCsv(fields = DCGM_FIELDS): string {
  return fields.map((f) => `${f.field}, ${f.type}, ${f.help}`).join("\n") + "\n";
}
