import { asClass, asFunction, type AwilixContainer } from 'awilix';
import type { Logger } from 'pino';
import type { RouteSpec } from '../../api/route-kit.js';
import { paymentRoutes, type PaymentRouteDeps } from '../../api/routes/payments.js';
import type { PaymentGateway, PaymentRepository, PaymentWebhooks } from '../../domain/ordering/ports.js';
import { AuthorizePayment } from '../../domain/ordering/use-cases/authorize-payment.js';
import { CapturePayment } from '../../domain/ordering/use-cases/capture-payment.js';
import { VoidPayment } from '../../domain/ordering/use-cases/void-payment.js';
import { RefundPayment } from '../../domain/ordering/use-cases/refund-payment.js';
import { CollectCashPayment } from '../../domain/ordering/use-cases/collect-cash-payment.js';
import { HandlePaymentWebhook } from '../../domain/ordering/use-cases/handle-payment-webhook.js';
import { PaymentQueries } from '../../domain/ordering/use-cases/payment-queries.js';
import { StripePayments, UNCONFIGURED_WEBHOOKS } from '../providers/stripe-payments.js';
import { CashPayments, RoutedPaymentGateway, UnavailablePayments, WalletPaymentGateway } from '../providers/cash-payments.js';
import type { ProcessedEvents, UnitOfWork } from '../../domain/shared/events.js';
import type { Clock } from '../../domain/shared/ids.js';
import { paymentsProcessor } from '../../workers/processors/payments.js';
import { QUEUES } from '../../workers/queues.js';
import type { Queues } from '../queues.js';
import type { Config } from '../config.js';
import type { Repositories } from '../db/index.js';

/** Payments: the repository, the gateways (card, cash, wallet) and the use cases (checkout's AuthorizePayment, the consumers', the routes'). */
export interface PaymentsCradle extends PaymentRouteDeps {
  payments: PaymentRepository;
  /** Card through Stripe when STRIPE_SECRET_KEY is set (otherwise PAYMENT_METHOD_UNAVAILABLE), cash and wallet without a provider (the wallet's money is reserved in the ledger). */
  paymentGateway: PaymentGateway;
  paymentWebhooks: PaymentWebhooks;
  /** Null when STRIPE_SECRET_KEY or STRIPE_WEBHOOK_SECRET is missing. */
  stripePayments: StripePayments | null;
  /** For the checkout: hold at checkout, record in its transaction, release when it fails. */
  authorizePayment: AuthorizePayment;
  capturePayment: CapturePayment;
  voidPayment: VoidPayment;
}

interface Needs {
  config: Config;
  repositories: Repositories;
  logger: Logger;
}

export function registerPayments(container: AwilixContainer<PaymentsCradle & Needs>): void {
  container.register({
    payments: asFunction(({ repositories }: Needs) => repositories.payments).singleton(),
    stripePayments: asFunction(({ config, logger }: Needs) =>
      config.STRIPE_SECRET_KEY && config.STRIPE_WEBHOOK_SECRET
        ? new StripePayments({
            secretKey: config.STRIPE_SECRET_KEY, webhookSecret: config.STRIPE_WEBHOOK_SECRET, host: config.STRIPE_API_HOST,
            port: config.STRIPE_API_PORT, protocol: config.STRIPE_API_PROTOCOL, timeoutMs: config.STRIPE_TIMEOUT_MS,
          }, logger.child({ component: 'stripe' }))
        : null).singleton(),
    paymentGateway: asFunction(({ stripePayments }: PaymentsCradle) => new RoutedPaymentGateway({
      card: stripePayments ?? new UnavailablePayments('card', 'card payments are not configured (STRIPE_SECRET_KEY)'),
      cash: new CashPayments(),
      wallet: new WalletPaymentGateway(),
    })).singleton(),
    paymentWebhooks: asFunction(({ stripePayments }: PaymentsCradle) => stripePayments ?? UNCONFIGURED_WEBHOOKS).singleton(),
    authorizePayment: asClass(AuthorizePayment).singleton(),
    capturePayment: asClass(CapturePayment).singleton(),
    voidPayment: asClass(VoidPayment).singleton(),
    refundPayment: asClass(RefundPayment).singleton(),
    collectCashPayment: asClass(CollectCashPayment).singleton(),
    handlePaymentWebhook: asClass(HandlePaymentWebhook).singleton(),
    paymentQueries: asClass(PaymentQueries).singleton(),
  });
}

interface WorkerParts extends PaymentsCradle {
  queues: Queues;
  unitOfWork: UnitOfWork;
  processedEvents: ProcessedEvents;
  clock: Clock;
}

/** Provider calls take longer than a row write: a longer lock than the audit consumer's, still short enough to hand a crashed worker's jobs on. */
const PAYMENTS_LOCK_MS = 30_000;

/** The worker role: the payments consumer (capture, void, refund on order events). */
export function startPaymentWorkers(c: WorkerParts): void {
  c.queues.work(QUEUES.payments, paymentsProcessor(c), 4, PAYMENTS_LOCK_MS);
}

export const paymentRoutesOf = (c: PaymentRouteDeps): RouteSpec[] => paymentRoutes(c);
