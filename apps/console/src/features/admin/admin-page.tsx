import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';
import { CreateUserForm } from './create-user-form';
import { PartnersPanel } from './partners-panel';
import { UsersPanel } from './users-panel';
import { WallDisplaysPanel } from './wall-displays';

export function AdminPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.admin')} intro={t('admin.intro')}>
      <UsersPanel />
      <CreateUserForm />
      <PartnersPanel />
      <WallDisplaysPanel />
      <ComingLater
        items={[
          { id: 'reference', title: t('admin.referenceTitle'), text: t('admin.referenceText') },
          { id: 'retention', title: t('admin.retentionTitle'), text: t('admin.retentionText') },
        ]}
      />
    </AreaPage>
  );
}
