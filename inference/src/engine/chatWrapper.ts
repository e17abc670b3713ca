// The model's chat wrapper, resolved once per model (letting every LlamaChat resolve "auto" itself made generation
// about 4x slower), with one correction: wrappers such as ChatML open the context with a BOS special token, and on
// models whose BOS token is the template's own turn opener (SmolLM2: BOS = `<|im_start|>`) the render then starts
// with that token twice. llama.cpp's own template rendering has it once; the doubled token was evaluated, counted
// in usage.prompt_tokens (one too high) and made every prompt differ from the format the model was trained on.
import {
  LlamaText,
  SpecialToken,
  resolveChatWrapper,
  type ChatWrapper,
  type ChatWrapperGenerateContextStateOptions,
  type ChatWrapperGeneratedContextState,
  type LlamaModel,
} from "node-llama-cpp";

/** `text` without its leading BOS special token when what follows already begins with the BOS token. */
export function withoutDoubledBos(text: LlamaText, model: LlamaModel): LlamaText {
  const [first, second, ...rest] = text.values;
  const bos = model.tokens.bos;
  if (bos === null || !(first instanceof SpecialToken) || first.value !== "BOS" || second === undefined)
    return text;
  const next = LlamaText(second).tokenize(model.tokenizer)[0];
  return next === bos ? LlamaText(second, ...rest) : text;
}

/** The model's chat wrapper, its renders free of a doubled BOS. */
export function chatWrapperFor(model: LlamaModel): ChatWrapper {
  const wrapper = resolveChatWrapper(model);
  // A prototype-linked view keeps the wrapper's class (LlamaChat checks it) and every other method as they are.
  const fixed = Object.create(wrapper) as ChatWrapper;
  fixed.generateContextState = (
    options: ChatWrapperGenerateContextStateOptions,
  ): ChatWrapperGeneratedContextState => {
    const state = wrapper.generateContextState(options);
    return { ...state, contextText: withoutDoubledBos(state.contextText, model) };
  };
  return fixed;
}
