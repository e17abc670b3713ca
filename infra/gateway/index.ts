export * from "./modelGateway.js";
export * from "./names.js";
export * from "./values.js";
export * from "./vpa.js";
