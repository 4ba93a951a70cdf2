// One ticket rule's settings (CON-7): categories, threshold, window, the PSA references, what happens
// after a ticket is closed, auto-close and the templates; Save changes the rule, the simulator below
// replays the stored counts against the settings as edited, before they are saved.
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { ErrorMessage, Field, Section, Success } from '../components/ui.js';
import { useAction } from '../hooks.js';
import { PLACEHOLDERS, TIME_ZONES, WINDOW_CHOICES } from '../rule-settings.js';
import { useIsAdmin } from '../session.js';
import {
  type ClosedPolicy,
  type Customer,
  type Reference,
  type Rule,
  type RuleSettings,
  SECURITY_CATEGORIES,
} from '../types.js';
import { clearBoardChildren, PsaPickers } from './PsaPickers.js';
import { Simulator } from './Simulator.js';

export function RuleEditor({
  rule,
  reference,
  customers,
  onSaved,
  onDeleted,
}: {
  rule: Rule;
  reference: Reference;
  customers: Customer[];
  onSaved: () => void;
  onDeleted: () => void;
}) {
  const { t } = useTranslation();
  const admin = useIsAdmin();
  const ids = { enabled: useId(), autoClose: useId(), zones: useId() };
  const [name, setName] = useState(rule.name);
  const [enabled, setEnabled] = useState(rule.enabled);
  const [s, setS] = useState<RuleSettings>(rule.settings);
  const [saved, setSaved] = useState<string>();
  const action = useAction();
  const set = <K extends keyof RuleSettings>(key: K, value: RuleSettings[K]) =>
    setS((old) => ({ ...old, [key]: value }));
  const toggleCategory = (c: (typeof SECURITY_CATEGORIES)[number], on: boolean) =>
    set(
      'categories',
      on
        ? SECURITY_CATEGORIES.filter((x) => x === c || s.categories.includes(x))
        : s.categories.filter((x) => x !== c),
    );

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const next = await action.run(() =>
      api.patch<Rule>(`/ticket-rules/${rule.id}`, { name, enabled, settings: s }),
    );
    if (next) {
      setS(next.settings);
      setSaved(t('ticketing.saved'));
      onSaved();
    }
  };
  const remove = async () => {
    if (!window.confirm(t('ticketing.confirmDelete', { name: rule.name }))) return;
    const deleted = await action.run(async () => {
      await api.del(`/ticket-rules/${rule.id}`);
      return true;
    });
    if (deleted) onDeleted();
  };
  const policy = s.closedPolicy;
  const setPolicy = (p: ClosedPolicy) => set('closedPolicy', p);
  return (
    <Section title={t('ticketing.ruleTitle', { name: rule.name })}>
      <form onSubmit={save} aria-label={t('ticketing.ruleTitle', { name: rule.name })}>
        <fieldset disabled={!admin || action.busy}>
          <div className="role-fields">
            <Field label={t('ticketing.fields.name')} required>
              <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <div className="check">
              <input
                id={ids.enabled}
                type="checkbox"
                checked={enabled}
                onChange={(e) => setEnabled(e.target.checked)}
              />
              <label htmlFor={ids.enabled}>{t('ticketing.fields.enabled')}</label>
            </div>
          </div>
          <fieldset className="group">
            <legend>{t('ticketing.fields.categories')}</legend>
            <div className="checks">
              {SECURITY_CATEGORIES.map((c) => (
                <label key={c} className="check">
                  <input
                    type="checkbox"
                    checked={s.categories.includes(c)}
                    onChange={(e) => toggleCategory(c, e.target.checked)}
                  />
                  {t(`categories.${c}`)}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="role-fields">
            <Field label={t('ticketing.fields.threshold')} hint={t('ticketing.thresholdHint')} required>
              <input
                type="number"
                min={0}
                max={1_000_000}
                required
                value={s.threshold}
                onChange={(e) => set('threshold', Number(e.target.value))}
              />
            </Field>
            <Field label={t('ticketing.fields.window')}>
              <select value={s.windowMinutes} onChange={(e) => set('windowMinutes', Number(e.target.value))}>
                {[...new Set([...WINDOW_CHOICES, s.windowMinutes])].map((m) => (
                  <option key={m} value={m}>
                    {t('ticketing.windowHours', { count: m / 60 })}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('ticketing.fields.timeZone')} hint={t('ticketing.timeZoneHint')}>
              <input
                list={ids.zones}
                maxLength={64}
                placeholder="UTC"
                value={s.timeZone ?? ''}
                onChange={(e) => set('timeZone', e.target.value.trim() === '' ? null : e.target.value.trim())}
              />
            </Field>
            <datalist id={ids.zones}>
              {TIME_ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </div>
          <h3>{t('ticketing.psaTitle')}</h3>
          <PsaPickers
            reference={reference}
            value={(key) => s[key]}
            onChange={(key, ref) => {
              const next = { ...s, [key]: ref ?? null };
              setS(key === 'board' ? clearBoardChildren(next) : next);
            }}
          />
          <fieldset className="group">
            <legend>{t('ticketing.fields.closedPolicy')}</legend>
            {(['new', 'reopen', 'silence'] as const).map((mode) => (
              <label key={mode} className="check">
                <input
                  type="radio"
                  name={`policy-${rule.id}`}
                  checked={policy.mode === mode}
                  onChange={() => setPolicy(mode === 'silence' ? { mode, hours: 24 } : { mode })}
                />
                {t(`ticketing.policy.${mode}`)}
              </label>
            ))}
            {policy.mode === 'silence' && (
              <Field label={t('ticketing.fields.silenceHours')}>
                <input
                  type="number"
                  min={1}
                  max={8760}
                  value={policy.hours}
                  onChange={(e) => setPolicy({ mode: 'silence', hours: Number(e.target.value) })}
                />
              </Field>
            )}
          </fieldset>
          <div className="check">
            <input
              id={ids.autoClose}
              type="checkbox"
              checked={s.autoCloseQuietWindows !== null}
              onChange={(e) => set('autoCloseQuietWindows', e.target.checked ? 6 : null)}
            />
            <label htmlFor={ids.autoClose}>{t('ticketing.fields.autoClose')}</label>
          </div>
          {s.autoCloseQuietWindows !== null && (
            <Field label={t('ticketing.fields.quietWindows')}>
              <input
                type="number"
                min={1}
                max={1000}
                value={s.autoCloseQuietWindows}
                onChange={(e) => set('autoCloseQuietWindows', Number(e.target.value))}
              />
            </Field>
          )}
          <details>
            <summary>{t('ticketing.templates')}</summary>
            <p className="muted">
              {t('ticketing.placeholders')} <code>{PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}</code>
            </p>
            <Field label={t('ticketing.fields.summaryTemplate')}>
              <input value={s.summaryTemplate} onChange={(e) => set('summaryTemplate', e.target.value)} />
            </Field>
            <Field label={t('ticketing.fields.descriptionTemplate')}>
              <textarea
                rows={6}
                value={s.descriptionTemplate}
                onChange={(e) => set('descriptionTemplate', e.target.value)}
              />
            </Field>
            <Field label={t('ticketing.fields.noteTemplate')}>
              <textarea
                rows={4}
                value={s.noteTemplate}
                onChange={(e) => set('noteTemplate', e.target.value)}
              />
            </Field>
          </details>
          <div className="toolbar">
            <button type="submit" className="primary">
              {t('ticketing.save')}
            </button>
            <button type="button" onClick={remove}>
              {t('ticketing.delete')}
            </button>
          </div>
        </fieldset>
      </form>
      <ErrorMessage error={action.error} />
      <Success text={saved} />
      <Simulator ruleId={rule.id} settings={s} customers={customers} />
    </Section>
  );
}
