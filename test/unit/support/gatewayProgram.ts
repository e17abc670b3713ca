// A stack program with only the model gateway, the VPA recommender and one VerticalPodAutoscaler, for
// test/unit/gateway/modelGateway.test.ts (run under mocks by support/program.ts). `genai:gatewayTest` switches TLS off.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { installVpaRecommender, ModelGateway, poolName } from "../../../infra/gateway/index.js";
import { createTrackVpa } from "../../../infra/workload/vpa.js";

const plain =
  new pulumi.Config("genai").getObject<{ plainHttp?: boolean }>("gatewayTest")?.plainHttp === true;
const provider = new k8s.Provider("k8s", {});
const charts = { localDir: "/charts" };
const selector = (model: string, track: string) => ({ "genai.platform/model": model, track });

const gateway = new ModelGateway("models", {
  provider,
  namespace: "genai",
  host: "genai.example.com",
  ...(plain ? {} : { tlsSecretName: "genai-gateway-tls" }),
  targetPort: 8000,
  charts,
  traffic: {
    timeoutSeconds: 300,
    outlierDetection: {
      consecutive5xxErrors: 5,
      intervalSeconds: 10,
      baseEjectionSeconds: 30,
      maxEjectionPercent: 50,
    },
  },
  models: [
    {
      model: "chat",
      pools: [
        { name: poolName("inference", "chat", "stable"), selector: selector("chat", "stable"), weight: 90 },
        { name: poolName("inference", "chat", "canary"), selector: selector("chat", "canary"), weight: 10 },
      ],
    },
    {
      model: "embed",
      type: "embeddings",
      pools: [
        {
          name: poolName("inference", "embed", "stable"),
          selector: selector("embed", "stable"),
          weight: 100,
        },
      ],
    },
  ],
});
const vpa = installVpaRecommender("vpa", { charts, namespace: "kube-system" }, { provider });
createTrackVpa(
  "inference-chat-stable",
  "genai",
  "inference-chat-stable",
  { app: "x" },
  {
    provider,
    ...(vpa ? { dependsOn: [vpa] } : {}),
  },
);

export const endpoint = gateway.endpoint;
export const pools = gateway.pools;
