/** sockopt ships no types: the two functions the gateway uses, on Node sockets, integer options only. */
declare module "sockopt" {
  import type { Socket } from "node:net";

  const sockopt: {
    getsockopt(socket: Socket, level: number, option: number): number;
    setsockopt(socket: Socket, level: number, option: number, value: number): void;
  };
  export default sockopt;
}
