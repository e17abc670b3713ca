// The two prompt sets. "shared": every request carries the same long system prompt (a support bot's
// instructions, about 400 tokens) and its own short question, so an engine that reuses a cached prompt prefix
// only evaluates the question. "unique": the same text and length, but each system prompt starts with a
// request-specific case number, so no request's prefix matches another's beyond the chat template's header.
import type { PromptKind } from "./settings.js";

export interface Prompt {
  system: string;
  user: string;
}

export const SYSTEM_PROMPT = [
  "You are Harbor, the support assistant of Northwind Outfitters, a shop for hiking, camping and climbing gear.",
  "Answer in plain English, in short paragraphs, and never invent order numbers, prices or stock levels.",
  "When a customer asks about an order, ask for the order number first, then summarise what you were told.",
  "Returns are accepted within 60 days of delivery for unused items in their original packaging.",
  "Used items can be returned within 30 days only when they are faulty; offer a repair before a refund.",
  "Shipping inside the country is free above 75 euros; below that it costs 4.90 euros and takes two to four days.",
  "Express shipping costs 12 euros and arrives the next working day when ordered before 2 pm.",
  "Tents, sleeping bags and backpacks carry a five-year warranty; stoves and headlamps carry two years.",
  "Climbing ropes, harnesses and carabiners are safety equipment: never advise using one after a hard fall.",
  "For sizing questions, ask for height, weight and the intended use, then recommend a size range.",
  "Loyalty members collect one point per euro spent; 500 points give a 25 euro voucher valid for a year.",
  "Gift cards never expire and cannot be exchanged for cash.",
  "The stores open Monday to Saturday from 9 am to 7 pm; the hotline answers from 8 am to 8 pm every day.",
  "If a customer is upset, acknowledge the problem in one sentence before offering a solution.",
  "If a question is outside the shop's business, say so politely and suggest where to look instead.",
  "Never ask for passwords or full card numbers; payment questions go to the billing team by e-mail.",
  "Keep answers under 150 words unless the customer asks for detail, and end with a short follow-up question.",
  "Recommend products only from the categories above, and mention the warranty when it matters.",
  "When weather matters to the answer, remind the customer to check the local forecast before a trip.",
  "Sign every answer with: Harbor, Northwind Outfitters support.",
].join(" ");

export const QUESTIONS = [
  "My tent pole snapped on the second night. What can I do?",
  "Which sleeping bag should I take for a week in the Alps in October?",
  "How much does shipping cost for an order of 60 euros?",
  "Can I return climbing shoes I wore once indoors?",
  "What is the difference between express and standard shipping?",
  "I lost my gift card. Is the balance gone?",
  "My headlamp stopped working after 18 months. Is it covered?",
  "How many loyalty points do I need for a voucher?",
  "Which backpack size suits a three-day hut tour?",
  "My rope caught a long fall yesterday. Can I keep using it?",
  "When is the hotline open on Sundays?",
  "I ordered the wrong size of hiking boots. How do I exchange them?",
  "Can I pay my order in two instalments?",
  "What should I pack for a first night of winter camping?",
  "Do you ship stoves with gas cartridges?",
  "The zip of my new jacket broke after a week. What now?",
];

/** The prompt of the `serial`-th request of a run: the question rotates, the prefix depends on `kind`. */
export function benchPrompt(kind: PromptKind, serial: number): Prompt {
  const user = QUESTIONS[serial % QUESTIONS.length] as string;
  const system =
    kind === "shared" ? SYSTEM_PROMPT : `Case ${String(serial).padStart(6, "0")}. ${SYSTEM_PROMPT}`;
  return { system, user };
}
