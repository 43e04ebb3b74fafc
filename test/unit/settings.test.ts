import { expect } from 'chai';
import { defaultSettings, deliveryFeeFor, parseSettingValue, PUBLIC_SETTING_KEYS, sameSettingValue, settingDefinition, SETTING_KEYS, SETTINGS, type SettingKey } from '../../domain/platform/settings.js';
import { isAppError } from '../../domain/shared/errors.js';

const problems = (key: SettingKey, value: unknown): { field: string; message: string }[] => {
  try {
    parseSettingValue(key, value);
  } catch (err) {
    if (isAppError(err) && err.code === 'VALIDATION_ERROR') return (err.details as { field: string; message: string }[]).map(({ field, message }) => ({ field, message }));
    throw err;
  }
  return [];
};

describe('marketplace settings registry', () => {
  it('when the registry is read, then it has its twenty-six keys, each default passes its own schema, and the public ones are the client-facing eight', () => {
    expect(SETTING_KEYS).to.have.members(['currency', 'vat.rateBps', 'delivery.feeBands', 'order.minimumDefaultMinor', 'store.prepDefaultMinutes', 'order.autoRejectMinutes', 'finance.commissionRules', 'dispatch.weights', 'finance.cashLimitMinor', 'finance.courierCashLimits', 'finance.payoutMinimumMinor', 'finance.payoutBatchEveryMinutes', 'finance.payoutMaxAttempts', 'finance.deliveryFeeCutBps', 'finance.walletHoldSeconds', 'finance.walletTopUpMinMinor', 'finance.walletTopUpMaxMinor', 'finance.walletMaxBalanceMinor', 'cart.idleExpiryMinutes', 'dispatch.scoreScales', 'dispatch.offerTimeoutSeconds', 'dispatch.rounds', 'dispatch.openBeforeReadyMinutes', 'dispatch.storeOwnersAssign', 'dispatch.batch', 'dispatch.promiseMinutes']);
    for (const k of SETTING_KEYS) expect(problems(k, SETTINGS[k].default), k).to.deep.equal([]);
    expect(PUBLIC_SETTING_KEYS).to.have.members(['currency', 'vat.rateBps', 'delivery.feeBands', 'order.minimumDefaultMinor', 'cart.idleExpiryMinutes', 'finance.walletTopUpMinMinor', 'finance.walletTopUpMaxMinor', 'finance.walletMaxBalanceMinor']);
    expect(defaultSettings()['delivery.feeBands']).to.deep.equal([
      { upToMeters: 2000, feeMinor: 50000 },
      { upToMeters: 5000, feeMinor: 100000 },
      { upToMeters: 10000, feeMinor: 150000 },
    ]);
  });

  it('when defaults are copied and the copy is changed, then the registry keeps its default', () => {
    const copy = defaultSettings();
    copy['delivery.feeBands'][0]!.feeMinor = 1;
    expect(SETTINGS['delivery.feeBands'].default[0]!.feeMinor).to.equal(50000);
  });

  it('when fee bands are not strictly increasing, then the error names the band at fault', () => {
    expect(problems('delivery.feeBands', [{ upToMeters: 2000, feeMinor: 1 }, { upToMeters: 2000, feeMinor: 2 }])).to.deep.equal([{ field: 'value.1.upToMeters', message: "must be greater than the previous band's 2000" }]);
    expect(problems('delivery.feeBands', [{ upToMeters: 5000, feeMinor: 1 }, { upToMeters: 3000, feeMinor: 2 }])[0]?.field).to.equal('value.1.upToMeters');
  });

  it('when a band has a fractional, negative or zero distance, a fractional or negative fee, or an extra field, then each is refused by name', () => {
    expect(problems('delivery.feeBands', [{ upToMeters: 1500.5, feeMinor: 10 }]).map((p) => p.field)).to.deep.equal(['value.0.upToMeters']);
    expect(problems('delivery.feeBands', [{ upToMeters: 0, feeMinor: 10 }]).map((p) => p.field)).to.deep.equal(['value.0.upToMeters']);
    expect(problems('delivery.feeBands', [{ upToMeters: -5, feeMinor: 10 }]).map((p) => p.field)).to.deep.equal(['value.0.upToMeters']);
    expect(problems('delivery.feeBands', [{ upToMeters: 1000, feeMinor: 9.99 }]).map((p) => p.field)).to.deep.equal(['value.0.feeMinor']);
    expect(problems('delivery.feeBands', [{ upToMeters: 1000, feeMinor: -1 }]).map((p) => p.field)).to.deep.equal(['value.0.feeMinor']);
    expect(problems('delivery.feeBands', [{ upToMeters: 1000, feeMinor: 1, colour: 'red' }])[0]?.field).to.equal('value.0');
    expect(problems('delivery.feeBands', []).map((p) => p.message)).to.deep.equal(['needs at least one band']);
  });

  it('when scalar keys get the wrong shape, then they are refused: currency code, VAT over 100 %, fractional minutes', () => {
    expect(problems('currency', 'syp')).to.have.length(1);
    expect(problems('currency', 'SYP')).to.deep.equal([]);
    expect(problems('vat.rateBps', 10_001)[0]?.message).to.equal('must be at most 10000 (100 %)');
    expect(problems('order.autoRejectMinutes', 2.5)).to.have.length(1);
    expect(problems('finance.cashLimitMinor', '5000')).to.have.length(1);
  });

  it('when commission rules lack the marketplace fallback or repeat a scope, then they are refused', () => {
    expect(problems('finance.commissionRules', [{ scope: { type: 'store', id: 's1' }, kind: 'fixed', amountMinor: 500 }])[0]?.message).to.match(/marketplace/);
    const twice = [
      { scope: { type: 'marketplace' }, kind: 'percentage', rateBps: 1000 },
      { scope: { type: 'category', id: 'c1' }, kind: 'percentage', rateBps: 800 },
      { scope: { type: 'category', id: 'c1' }, kind: 'fixed', amountMinor: 100 },
    ];
    expect(problems('finance.commissionRules', twice)).to.deep.equal([{ field: 'value.2.scope', message: 'duplicates the scope of rule 1' }]);
    expect(problems('finance.commissionRules', twice.slice(0, 2))).to.deep.equal([]);
  });

  it('when dispatch weights do not add up to 1, then they are refused', () => {
    expect(problems('dispatch.weights', { eta: 0.5, idle: 0.5, acceptanceRate: 0.5 })[0]?.message).to.equal('the weights must add up to 1');
    expect(problems('dispatch.weights', { eta: 0.6, idle: 0.3, acceptanceRate: 0.1 })).to.deep.equal([]);
  });

  it('when batch stacking asks for more than four orders per courier, then it is refused', () => {
    const batch = SETTINGS['dispatch.batch'].default;
    expect(problems('dispatch.batch', { ...batch, maxStackedOrders: 5 })[0]?.message).to.equal('must be at most 4');
    expect(problems('dispatch.batch', { ...batch, maxStackedOrders: 3 })).to.deep.equal([]);
  });

  it('when a key is unknown, then NOT_FOUND lists the known keys', () => {
    const err = (() => {
      try {
        settingDefinition('delivery.fee');
      } catch (e) {
        return e;
      }
    })();
    expect(isAppError(err) && err.code).to.equal('NOT_FOUND');
    expect(settingDefinition('currency').key).to.equal('currency');
    expect(() => settingDefinition('toString'), 'inherited names are not keys').to.throw('Setting toString not found');
  });

  it('when values differ only in key order, then they are the same value; different numbers are not', () => {
    expect(sameSettingValue({ eta: 0.7, idle: 0.2 }, { idle: 0.2, eta: 0.7 })).to.equal(true);
    expect(sameSettingValue([{ a: 1, b: 2 }], [{ b: 2, a: 1 }])).to.equal(true);
    expect(sameSettingValue([{ a: 1 }], [{ a: 2 }])).to.equal(false);
    expect(sameSettingValue('SYP', 'USD')).to.equal(false);
  });

  it('when a distance is priced, then the first band that holds it applies, and beyond the last there is no delivery', () => {
    const bands = SETTINGS['delivery.feeBands'].default;
    expect([0, 2000, 2001, 10_000, 10_001].map((d) => deliveryFeeFor(bands, d))).to.deep.equal([50000, 50000, 100000, 150000, null]);
  });
});
