import {
  PushSubscription,
  PushSubscriptionBody,
  PushSubscriptionParams,
  PushSubscriptionsResponse,
  VapidPublicKeyResponse,
} from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { PushSubscriptions } from "../../chat/push-subscriptions.js";
import type { App } from "../app-types.js";

/** Web Push subscriptions (integrations §4), translated to and from the domain. */
export function pushRoutes(app: App, deps: { subscriptions: PushSubscriptions; guard: preHandlerHookHandler }): void {
  const { subscriptions, guard } = deps;

  app.get("/api/push/vapid-public-key", { preHandler: guard, schema: { response: { 200: VapidPublicKeyResponse } } }, async () =>
    subscriptions.publicKey(),
  );

  app.post(
    "/api/push/subscriptions",
    { preHandler: guard, schema: { body: PushSubscriptionBody, response: { 200: PushSubscription, 201: PushSubscription } } },
    async (request, reply) => {
      const { subscription, created } = await subscriptions.subscribe(request.userId, request.body);
      return reply.code(created ? 201 : 200).send(subscription);
    },
  );

  app.get(
    "/api/push/subscriptions",
    { preHandler: guard, schema: { response: { 200: PushSubscriptionsResponse } } },
    async (request) => subscriptions.list(request.userId),
  );

  app.delete(
    "/api/push/subscriptions/:id",
    { preHandler: guard, schema: { params: PushSubscriptionParams } },
    async (request, reply) => {
      await subscriptions.unsubscribe(request.userId, request.params.id);
      return reply.code(204).send();
    },
  );
}
