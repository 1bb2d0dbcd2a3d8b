/**
 * A chat model for agent tests: answers from a script (AI messages, possibly with tool calls) and records every message
 * list it received. `bindTools` returns the model itself, so the records survive `createAgent` binding tools.
 * @module
 */
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { AIMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';

export class RecordingChatModel extends BaseChatModel {
  readonly received: BaseMessage[][] = [];
  private next = 0;

  constructor(private readonly script: AIMessage[]) {
    super({});
  }

  _llmType(): string {
    return 'recording';
  }

  override bindTools(): this {
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.received.push(messages);
    const reply = this.script[this.next++] ?? new AIMessage('done');
    return { generations: [{ text: typeof reply.content === 'string' ? reply.content : '', message: reply }] };
  }
}
