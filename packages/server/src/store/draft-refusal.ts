/**
 * A send the writer's transaction refused on its own (an upload it may not carry, a message it
 * may not quote or reply in) while the rest of its batch was stored: the send is refused whole
 * (contract §2) and nothing of it is stored. The message names the field.
 */
export class DraftRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DraftRefusal";
  }
}
