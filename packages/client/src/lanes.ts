export type Target = { receiverId: number } | { conversationId: number };

/**
 * Which lane a send joins. The sends of one lane go out one at a time, in call order, so the
 * server stores them in that order; a lane is a conversation. A direct conversation can be
 * addressed by the other user's id too, and until the client has seen its conversation id
 * (from an ack or a message) such sends have a lane of their own (`u:<user>`). A new send
 * joins whichever of the two lanes still holds sends, so the order holds across the switch.
 */
export class Lanes {
  private readonly conversationOfPeer = new Map<number, number>();
  private readonly peerOfConversation = new Map<number, number>();

  /** The direct conversation with `peer` is `conversationId`. */
  learn(peer: number, conversationId: number): void {
    this.conversationOfPeer.set(peer, conversationId);
    this.peerOfConversation.set(conversationId, peer);
  }

  of(target: Target, busy: (lane: string) => boolean): string {
    const peer = "receiverId" in target ? target.receiverId : this.peerOfConversation.get(target.conversationId);
    const conversation = "conversationId" in target ? target.conversationId : this.conversationOfPeer.get(target.receiverId);
    const byConversation = conversation === undefined ? undefined : `c:${conversation}`;
    const byPeer = peer === undefined ? undefined : `u:${peer}`;
    if (byConversation !== undefined && busy(byConversation)) return byConversation;
    if (byPeer !== undefined && busy(byPeer)) return byPeer;
    return byConversation ?? (byPeer as string);
  }
}
