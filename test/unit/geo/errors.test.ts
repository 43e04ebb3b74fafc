import { expect } from 'chai';
import { AppError } from '../../../domain/shared/errors.js';
import { GeoError, SCRIPT_CODE, redisFailure, scriptError } from '../../../geo/errors.js';

describe('geo errors', () => {
  it('when a script returns NOT_HOMED or BAD_ARGUMENT, then one function maps them to coded GeoErrors', () => {
    const nh = scriptError('apply-fix', SCRIPT_CODE.NOT_HOMED, { courierId: 'c' });
    expect(nh).to.be.instanceOf(AppError);
    expect(nh).to.include({ code: 'NOT_FOUND', status: 404, reason: 'UNKNOWN_COURIER' });
    expect(nh.details).to.deep.include({ reason: 'UNKNOWN_COURIER', courierId: 'c' });
    expect(scriptError('nearest', SCRIPT_CODE.BAD_ARGUMENT)).to.include({ code: 'VALIDATION_ERROR', reason: 'INVALID_INPUT' });
    expect(scriptError('nearest', -99)).to.include({ code: 'INTERNAL_ERROR', reason: 'SCRIPT_ERROR' });
  });

  it('when ioredis fails, then it becomes REDIS_UNAVAILABLE (503) and GeoErrors pass through unchanged', () => {
    expect(redisFailure(new Error('Connection is closed.'), 'x')).to.include({ code: 'SERVICE_UNAVAILABLE', status: 503, reason: 'REDIS_UNAVAILABLE' });
    const own = new GeoError('INVALID_INPUT', 'bad');
    expect(redisFailure(own, 'x')).to.equal(own);
  });
});
