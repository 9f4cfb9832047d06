import { DELIVERY_CHANNELS } from '@korgon/domain';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../components/field';
import type { PartnerDraftForm } from './partner-draft';

/**
 * How referrals reach the partner, and the address that channel needs (the domain's rule: a webhook its URL,
 * e-mail its address, the portal none).
 */
export function PartnerChannelFields({ form, id }: { form: PartnerDraftForm; id: string }) {
  const { t } = useTranslation();
  const channel = form.watch('channel');
  return (
    <>
      <fieldset className="choice-group choice-group-wide" data-testid="partner-channel">
        <legend>{t('partners.channel')}</legend>
        <div className="choices">
          {DELIVERY_CHANNELS.map((c) => (
            <label key={c} className="choice">
              <input
                type="radio"
                value={c}
                // Another channel asks for another address: what was said about the old one goes.
                {...form.register('channel', { onChange: () => form.clearIssues('webhookUrl', 'email') })}
              />
              <span>{t(`referrals.channel.${c}`)}</span>
            </label>
          ))}
        </div>
        <p className="field-hint">{t(`partners.channelHint.${channel}`)}</p>
      </fieldset>
      <div className="form-grid">
        {channel === 'webhook' && (
          <TextField
            id={`${id}-webhook`}
            type="url"
            label={t('partners.webhookUrl')}
            hint={t('partners.webhookUrlHint')}
            autoComplete="off"
            spellCheck={false}
            {...form.register('webhookUrl')}
            error={form.errorOf('webhookUrl')}
          />
        )}
        {channel === 'email' && (
          <TextField
            id={`${id}-email`}
            type="email"
            label={t('partners.email')}
            autoComplete="off"
            spellCheck={false}
            {...form.register('email')}
            error={form.errorOf('email')}
          />
        )}
      </div>
    </>
  );
}
